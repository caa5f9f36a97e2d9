#!/usr/bin/env bash
# Adds slices of the public datasets in ../shared/data (and posteriordb) to a
# fuzzer's working corpus: real files' headers, lines and binary layouts are
# better starting points than hand-made seeds. Silent when the data are absent.
# Usage: shared_data_seeds.sh NAME CORPUS_DIR SHARED_DATA_DIR
set -uo pipefail
name=$1 corpus=$2 data=$3
[[ -d $data ]] || exit 0
slice() { # slice OUT_NAME COMMAND...: the command's output, if any, as one seed
  local out="$corpus/shared-$1"; shift
  [[ -e $out ]] || { "$@" >"$out" 2>/dev/null; [[ -s $out ]] || rm -f "$out"; }
}
case $name in
  csv)
    slice breast_cancer head -n 12 "$data/breast_cancer/breast_cancer.csv"
    slice iris head -n 30 "$data/iris/iris.csv"
    slice wine head -c 3000 "$data/wine/wine.csv"
    slice digits head -n 3 "$data/digits/digits.csv" ;;
  json_data)
    for f in "$data"/../posteriordb/*.data.json; do
      [[ -e $f ]] && slice "$(basename "$f")" head -c 4000 "$f"
    done ;;
  ldac) slice ap head -n 20 "$data/ap/ap.dat" ;;
  text_corpus) slice ap head -c 6000 "$data/ap/ap.txt" ;;
  idx)
    slice labels head -c 2000 "$data/mnist/t10k-labels-idx1-ubyte.gz"
    slice images sh -c "gzip -dc '$data/mnist/t10k-images-idx3-ubyte.gz' | head -c 2368" ;;
  draws_csv)
    for f in "$data"/../posteriordb/*.reference.csv; do
      [[ -e $f ]] && slice "$(basename "$f")" head -n 6 "$f" && break
    done ;;
esac
exit 0
