#!/usr/bin/env bash
# Peak memory (maximum resident set, GNU time's %M) and wall time of each elbo
# command on a realistic default job over ../shared/data (the README's example
# commands with their default options); writes results.md beside this script.
#   bash bench/memory/run.sh            (ELBO_BIN=path/to/elbo to use a built CLI)
# Builds elbo's CLI into build-bench/ unless ELBO_BIN is set.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shared="$repo/../shared"
[[ -d $shared/data ]] || { echo "run.sh: needs ../shared/data beside the repository" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "run.sh: needs GNU time (apt-get install time)" >&2; exit 1; }

elbo="${ELBO_BIN:-$repo/build-bench/elbo}"
if [[ -z "${ELBO_BIN:-}" ]]; then
  [[ -d "$repo/build-bench" ]] || cmake -S "$repo" -B "$repo/build-bench" -DCMAKE_BUILD_TYPE=Release >/dev/null
  nice cmake --build "$repo/build-bench" --target elbo_cli -j2 >"$repo/build-bench/elbo_cli.build.log" 2>&1 ||
    { echo "run.sh: building elbo_cli failed (see build-bench/elbo_cli.build.log)" >&2; exit 1; }
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
d=$shared/data

# Inputs the commands need in a form the CLI reads: a count target for the Poisson
# regression (wine's proline / 100, rounded) and a simulated 3-state Gaussian HMM
# series (10 sequences of 500 steps), both small CSVs made here.
/usr/bin/python3 - "$d" "$work" <<'EOF'
import csv, math, random, sys
d, w = sys.argv[1], sys.argv[2]
rows = list(csv.reader(open(f"{d}/wine/wine.csv")))
head, body = rows[0], rows[1:]
j = head.index("proline")
with open(f"{w}/wine_counts.csv", "w", newline="") as f:
    out = csv.writer(f)
    out.writerow([h for h in head if h not in ("proline", "cultivar")] + ["count"])
    for r in body:
        feats = [v for h, v in zip(head, r) if h not in ("proline", "cultivar")]
        out.writerow(feats + [round(float(r[j]) / 100)])
random.seed(1)
means, A = [-2.0, 0.0, 3.0], [[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.05, 0.15, 0.8]]
with open(f"{w}/series.csv", "w") as f:
    f.write("id,x\n")
    for s in range(10):
        z = random.randrange(3)
        for t in range(500):
            f.write(f"{s},{random.gauss(means[z], 1.0):.6f}\n")
            z = random.choices(range(3), A[z])[0]
EOF

rows=()
measure() { # measure NAME ARGS...: one run of elbo ARGS under GNU time
  local name=$1; shift
  if /usr/bin/time -f '%M %e' -o "$work/time" "$elbo" "$@" >"$work/stdout" 2>"$work/stderr"; then
    read -r kb secs <"$work/time"
    rows+=("| \`$name\` | $(awk -v k="$kb" 'BEGIN { printf "%.0f", k / 1024 }') | $secs |")
    echo "$name: $((kb / 1024)) MB, $secs s"
  else
    echo "run.sh: '$name' failed: $(tail -n 1 "$work/stderr")" >&2
    exit 1
  fi
}
o=$work/out
measure "elbo fit logistic (the main job)" fit logistic -q -o "$o/logistic"
measure "elbo fit linear --data diabetes.csv" fit linear --data "$d/diabetes/diabetes.csv" -q -o "$o/linear"
measure "elbo fit poisson --data wine_counts.csv" fit poisson --data "$work/wine_counts.csv" -q -o "$o/poisson"
measure "elbo fit eight_schools" fit eight_schools -q -o "$o/eight"
measure "elbo fit logistic --method laplace" fit logistic --method laplace -q -o "$o/laplace"
measure "elbo fit logistic --method svgd" fit logistic --method svgd -q -o "$o/svgd"
measure "elbo gradvar logistic" gradvar logistic --output "$o/gradvar.json"
measure "elbo compile (posteriordb eight_schools)" compile "$shared/posteriordb/eight_schools-eight_schools_noncentered.stan" \
  --cache-dir "$work/stan-cache"
measure "elbo fit stan (posteriordb eight_schools)" fit stan \
  --model "$shared/posteriordb/eight_schools-eight_schools_noncentered.stan" \
  --data "$shared/posteriordb/eight_schools-eight_schools_noncentered.data.json" --cache-dir "$work/stan-cache" -q -o "$o/stan"
measure "elbo fit lda --docword ap.dat -K 100 (SVI)" fit lda --docword "$d/ap/ap.dat" --vocab "$d/ap/vocab.txt" -K 100 -q -o "$o/lda"
measure "elbo fit lda ... --out-of-core" fit lda --docword "$d/ap/ap.dat" --vocab "$d/ap/vocab.txt" -K 100 --out-of-core -q -o "$o/lda_ooc"
measure "elbo fit gmm --data iris.csv" fit gmm --data "$d/iris/iris.csv" --components 5 -q -o "$o/gmm"
measure "elbo fit hmm --data series.csv (10 x 500)" fit hmm --data "$work/series.csv" --states 3 --emission gaussian \
  --sequence-column id -q -o "$o/hmm"
measure "elbo fit gp --data diabetes.csv --inducing 256" fit gp --data "$d/diabetes/diabetes.csv" --target progression \
  --inducing 256 -q -o "$o/gp"
measure "elbo train vae --data t10k-images (10,000 MNIST)" train vae --data "$d/mnist/t10k-images-idx3-ubyte.gz" \
  --epochs 2 -q -o "$o/vae"
measure "elbo eval vae --k 100" eval vae --model "$o/vae" --data "$d/mnist/t10k-images-idx3-ubyte.gz" --k 100 -q
measure "elbo predict (logistic)" predict --model "$o/logistic" --data "$repo/data/breast_cancer.csv" -q -o "$o/p_logistic.csv"
measure "elbo predict (lda, ap.dat)" predict --model "$o/lda" --data "$d/ap/ap.dat" -q -o "$o/p_lda.csv"
measure "elbo predict (vae)" predict --model "$o/vae" --data "$d/mnist/t10k-images-idx3-ubyte.gz" -q -o "$o/p_vae.csv"
measure "elbo predict (gp)" predict --model "$o/gp" --data "$d/diabetes/diabetes.csv" -q -o "$o/p_gp.csv"
measure "elbo report (logistic fit)" report "$o/logistic" -q

{
  echo "# Peak memory of each command"
  echo
  echo "Maximum resident set size (GNU time %M) and wall time of one run on this machine"
  echo "($(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)), made by bench/memory/run.sh on $(date -u +%F)."
  echo "LibTorch's own start-up (its libraries and their static state) is part of every"
  echo "torch command's resident set. GNU time reports the largest of the process and its"
  echo "children: \`elbo compile\`'s peak is g++'s, compiling the Stan program."
  echo
  echo "| command | peak RSS (MB) | wall (s) |"
  echo "|---|---:|---:|"
  printf '%s\n' "${rows[@]}"
} >"$here/results.md"
echo "wrote $here/results.md"
