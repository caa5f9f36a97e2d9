#!/usr/bin/env bash
# The bad-input campaign: every row of bad_input_cases.tsv is one hostile but
# realistic invocation of the tool. Each must end within the time limit, under a
# memory cap, with the expected exit code and exactly one stderr line matching
# the expected fragment (rows with code 0 are inputs that must be accepted, their
# stderr matching the fragment: ".*", or the warning an unreliable fit must give).
# Usage: bad_input_campaign.sh ELBO_BINARY [CASES.tsv] [NAME_REGEX]
# Prints one line per failing case and the counts: clean / vague (right code,
# message does not match) / bad (crash, hang, wrong code, several lines).
set -u
elbo=$(realpath "$1")
cases=${2:-$(dirname "$0")/bad_input_cases.tsv}
only=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
here=$(cd "$(dirname "$0")" && pwd)
STAN_CACHE=${ELBO_STAN_CACHE:-$tmp/stan-cache}

# ---- the inputs the table refers to ($F/name) -------------------------------------
F=$tmp/in
mkdir -p "$F"
data="$here/../../data/breast_cancer.csv"
head -n 61 "$data" >"$F/bc.csv"                        # 60 rows, 30 features + y
: >"$F/empty.csv"
head -n 1 "$data" >"$F/header_only.csv"
awk -F, 'NR == 6 { $3 = "NaN" } { print }' OFS=, "$F/bc.csv" >"$F/nan.csv"
awk -F, 'NR == 8 { $5 = "" } { print }' OFS=, "$F/bc.csv" >"$F/missing_value.csv"
awk -F, 'NR == 9 { $2 = "abc" } { print }' OFS=, "$F/bc.csv" >"$F/text.csv"
awk -F, 'NR == 10 { NF = 12 } { print }' OFS=, "$F/bc.csv" >"$F/ragged.csv"
head -c 3000 "$F/bc.csv" >"$F/truncated.csv"
printf '\xEF\xBB\xBF' | cat - "$F/bc.csv" >"$F/bom.csv"
awk -F, 'NR == 31 { $NF = 2 } { print }' OFS=, "$F/bc.csv" >"$F/y_two.csv"
awk -F, 'NR == 1 { $2 = $1 } { print }' OFS=, "$F/bc.csv" >"$F/dup_column.csv"
awk -F, 'NR == 12 { $NF = 0.5 } { print }' OFS=, "$F/bc.csv" >"$F/y_half.csv"
awk -F, 'NR == 1 { $1 = "r\xC3\x28dius" } { print }' OFS=, "$F/bc.csv" >"$F/bad_utf8.csv"
awk -F, 'NR > 1 { $4 = 1 } { print }' OFS=, "$F/bc.csv" >"$F/constant_column.csv"
awk -F, 'NR > 1 { $1 = $1 * 1e300 } { print }' OFS=, "$F/bc.csv" >"$F/huge.csv"
awk -F, 'NR == 1 { print; next } NR <= 3 { print }' "$F/bc.csv" >"$F/two_rows.csv"
/usr/bin/python3 - "$F" <<'EOF'
import sys, random
d = sys.argv[1]
random.seed(1)
with open(f"{d}/wide.csv", "w") as f:             # 20,000 features: a D² full-rank q is 3.2 GB
    f.write(",".join(f"x{j}" for j in range(20000)) + ",y\n")
    for i in range(30):
        f.write(",".join(f"{random.gauss(0, 1):.3f}" for _ in range(20000)) + f",{i % 2}\n")
with open(f"{d}/binary.csv", "wb") as f:
    f.write(bytes(random.randrange(256) for _ in range(4096)))
with open(f"{d}/gmm.csv", "w") as f:
    f.write("a,b\n")
    for i in range(200):
        c = 3.0 * (i % 2)
        f.write(f"{random.gauss(c, 1):.4f},{random.gauss(-c, 1):.4f}\n")
# JSON data for `fit stan`
open(f"{d}/deep.json", "w").write('{"N": 1, "y": ' + "[" * 100000 + "1" + "]" * 100000 + "}")
open(f"{d}/good.json", "w").write('{"N": 4, "y": [0, 1, 1, 0]}')
open(f"{d}/truncated.json", "w").write('{"N": 4, "y": [0, 1,')
open(f"{d}/nan.json", "w").write('{"N": 4, "y": [0, "NaN", 1, 0]}')
open(f"{d}/wrong_size.json", "w").write('{"N": 5, "y": [0, 1, 1, 0]}')
open(f"{d}/no_y.json", "w").write('{"N": 4}')
open(f"{d}/array.json", "w").write('[1, 2, 3]')
open(f"{d}/bad_utf8.json", "wb").write(b'{"N": 4, "y\xff": [0, 1, 1, 0]}')
open(f"{d}/y_real.json", "w").write('{"N": 4, "y": [0, 1.5, 1, 0]}')
open(f"{d}/bernoulli.stan", "w").write(
    "data { int<lower=0> N; int<lower=0, upper=1> y[N]; }\n"
    "parameters { real<lower=0, upper=1> theta; }\n"
    "model { theta ~ beta(1, 1); y ~ bernoulli(theta); }\n")
open(f"{d}/syntax_error.stan", "w").write("parameters { real theta }\nmodel { theta ~ normal(0, 1); }\n")
open(f"{d}/unknown_function.stan", "w").write(
    "parameters { real theta; }\nmodel { theta ~ no_such_distribution(0, 1); }\n")
# LDA-C corpora: "n id:count id:count ..." per document
docs = [[(w, random.randrange(1, 4)) for w in random.sample(range(50), 8)] for _ in range(40)]
def ldac(rows):
    return "".join(f"{len(r)} " + " ".join(f"{w}:{c}" for w, c in r) + "\n" for r in rows)
open(f"{d}/corpus.ldac", "w").write(ldac(docs))
open(f"{d}/vocab.txt", "w").write("".join(f"w{i}\n" for i in range(50)))
open(f"{d}/short_vocab.txt", "w").write("".join(f"w{i}\n" for i in range(10)))
open(f"{d}/negative.ldac", "w").write(ldac(docs[:5]) + "2 3:-1 4:2\n")
open(f"{d}/huge_id.ldac", "w").write(ldac(docs[:5]) + "1 2000000000:1\n")
open(f"{d}/no_colon.ldac", "w").write(ldac(docs[:5]) + "2 3 4:2\n")
open(f"{d}/text.ldac", "w").write(ldac(docs[:5]) + "2 a:1 4:2\n")
open(f"{d}/miscount.ldac", "w").write(ldac(docs[:5]) + "5 3:1 4:2\n")
open(f"{d}/zero_count.ldac", "w").write(ldac(docs[:5]) + "2 3:0 4:2\n")
open(f"{d}/huge_count.ldac", "w").write(ldac(docs[:5]) + "1 3:99999999999999999999\n")
open(f"{d}/empty.ldac", "w").write("")
open(f"{d}/huge_n.ldac", "w").write("2000000000 1:1\n")
# UCI bag of words: D, W, NNZ then "doc word count" (1-based)
uci = [(i + 1, w + 1, c) for i, r in enumerate(docs) for w, c in dict(r).items()]
def uci_text(D, W, rows, nnz=None):
    return f"{D}\n{W}\n{len(rows) if nnz is None else nnz}\n" + "".join(f"{a} {b} {c}\n" for a, b, c in rows)
open(f"{d}/docword.txt", "w").write(uci_text(40, 50, uci))
open(f"{d}/docword_short.txt", "w").write(uci_text(40, 50, uci[:-3], nnz=len(uci)))
open(f"{d}/docword_huge_header.txt", "w").write(uci_text(2000000000, 2000000000, uci[:5], nnz=4000000000000))
open(f"{d}/docword_bad_word.txt", "w").write(uci_text(40, 50, uci[:5] + [(3, 51, 1)]))
open(f"{d}/docword_bad_doc.txt", "w").write(uci_text(40, 50, uci[:5] + [(41, 2, 1)]))
open(f"{d}/docword_zero_index.txt", "w").write(uci_text(40, 50, uci[:5] + [(0, 2, 1)]))
open(f"{d}/docword_negative.txt", "w").write(uci_text(40, 50, uci[:5] + [(2, 2, -3)]))
open(f"{d}/docword_text.txt", "w").write(uci_text(40, 50, uci[:5]) + "2 x 1\n")
open(f"{d}/docword_header.txt", "w").write("40\n50\n")
# IDX images (MNIST format): magic 0x00000803, dims, bytes
import struct, gzip
def idx(n, r, c, payload=None):
    body = bytes(random.randrange(256) for _ in range(n * r * c)) if payload is None else payload
    return struct.pack(">iiii", 0x803, n, r, c) + body
open(f"{d}/images.idx", "wb").write(idx(64, 28, 28))
open(f"{d}/truncated.idx", "wb").write(idx(64, 28, 28)[:5000])
open(f"{d}/bad_magic.idx", "wb").write(b"\x00\x00\x09\x99" + idx(4, 28, 28)[4:])
open(f"{d}/huge_dims.idx", "wb").write(struct.pack(">iiii", 0x803, 2000000000, 28, 28))
open(f"{d}/negative_dims.idx", "wb").write(struct.pack(">iiii", 0x803, -5, 28, 28))
open(f"{d}/header.idx", "wb").write(b"\x00\x00")
with gzip.open(f"{d}/bomb.idx.gz", "wb") as g:     # 1 GB of zeros behind a header claiming it
    g.write(struct.pack(">iiii", 0x803, 1300000, 28, 28))
    chunk = bytes(1 << 20)
    for _ in range(1024):
        g.write(chunk)
open(f"{d}/not_gzip.idx.gz", "wb").write(b"\x1f\x8b" + bytes(100))
# Text in another encoding (a Latin-1 byte where UTF-8 is required), and UTF-8 files
# that start with a byte-order mark (accepted)
bom = b"\xef\xbb\xbf"
words = [f"word{chr(97 + i)}" for i in range(20)]
text_docs = [" ".join(random.sample(words, 5)) + "\n" for _ in range(40)]
text_docs_bad = list(text_docs)
text_docs_bad[2] = "caf\xe9 " + text_docs[2]             # line 3, column 4
open(f"{d}/bad_utf8.txt", "wb").write("".join(text_docs_bad).encode("latin-1"))
open(f"{d}/corpus.txt", "w").write("".join(text_docs))
open(f"{d}/bom_corpus.txt", "wb").write(bom + "".join(text_docs).encode())
vocab = [f"w{i}" for i in range(50)]
open(f"{d}/bad_utf8_vocab.txt", "wb").write("".join(
    (w + "\xe9" if i == 6 else w) + "\n" for i, w in enumerate(vocab)).encode("latin-1"))  # line 7, column 3
open(f"{d}/bom_vocab.txt", "wb").write(bom + "".join(w + "\n" for w in vocab).encode())
open(f"{d}/bom_corpus.ldac", "wb").write(bom + ldac(docs).encode())
open(f"{d}/bom_docword.txt", "wb").write(bom + uci_text(40, 50, uci).encode())
open(f"{d}/bad_utf8_key.json", "wb").write(b'{\n  "N": 4,\n  "y\xe9": [0, 1, 1, 0]\n}\n')  # line 3, column 5
open(f"{d}/bom.json", "wb").write(bom + b'{"N": 4, "y": [0, 1, 1, 0]}')
open(f"{d}/plain.json", "wb").write(b'{"N": 4, "y": [0, 1, 1, 0]}')
open(f"{d}/bom_gmm.csv", "wb").write(bom + open(f"{d}/gmm.csv", "rb").read())
EOF
mkdir -p "$F/dir.csv"

# ---- saved fits and checkpoints to corrupt ----------------------------------------
# (made once here, with the tool itself; a failure to make them is a failure)
"$elbo" fit logistic --data "$F/bc.csv" --max-iter 200 --draws 50 -q -o "$F/fit_logistic" \
  --checkpoint "$F/logistic.ckpt" --checkpoint-every 50 >/dev/null 2>&1 || echo "setup: logistic fit failed" >&2
"$elbo" fit lda --docword "$F/corpus.ldac" --topics 3 --method svi --batch-size 8 --passes 2 -q \
  -o "$F/fit_lda" --checkpoint "$F/lda.ckpt" >/dev/null 2>"$tmp/setup.err" || echo "setup: lda fit failed: $(cat "$tmp/setup.err")" >&2
"$elbo" fit lda --docword "$F/corpus.ldac" --topics 3 --distributed --batch-size 8 --passes 2 -q \
  -o "$F/fit_lda_dist" --checkpoint "$F/lda_dist.ckpt" >/dev/null 2>"$tmp/setup.err" ||
  echo "setup: distributed lda fit failed: $(cat "$tmp/setup.err")" >&2
"$elbo" fit gmm --data "$F/gmm.csv" --components 3 -q -o "$F/fit_gmm" >/dev/null 2>&1 ||
  echo "setup: gmm fit failed" >&2
"$elbo" fit gp --data "$F/bc.csv" -T 8 --steps 20 --checkpoint "$F/gp.ckpt" --checkpoint-every 10 -q \
  -o "$F/fit_gp" >/dev/null 2>"$tmp/setup.err" || echo "setup: gp fit failed: $(cat "$tmp/setup.err")" >&2
"$elbo" train vae --data "$F/images.idx" --epochs 1 --hidden 16 --latent 2 --test-k 10 -q -o "$F/fit_vae" \
  >/dev/null 2>&1 || echo "setup: vae training failed" >&2
flip() {  # flip(src, dst, offset): dst = src with the byte at offset inverted
  cp "$1" "$2"
  /usr/bin/python3 -c "import sys; p, o = sys.argv[1], int(sys.argv[2]); b = bytearray(open(p, 'rb').read()); o = o % len(b); b[o] ^= 0xFF; open(p, 'wb').write(b)" "$2" "$3"
}
"$elbo" compile "$F/bernoulli.stan" --cache-dir "$STAN_CACHE" >/dev/null 2>&1 || echo "setup: stan compile failed" >&2
for f in logistic lda gp lda_dist; do
  if [[ -s $F/$f.ckpt ]]; then
    cp "$F/$f.ckpt" "$F/${f}_copy.ckpt"
    head -c 100 "$F/$f.ckpt" >"$F/${f}_truncated.ckpt"
    : >"$F/${f}_empty.ckpt"
    flip "$F/$f.ckpt" "$F/${f}_flipped.ckpt" $(($(stat -c %s "$F/$f.ckpt") / 2))
  fi
done
if [[ -f $F/fit_vae/model.pt ]]; then
  mkdir -p "$F/fit_vae_flipped"
  flip "$F/fit_vae/model.pt" "$F/fit_vae_flipped/model.pt" 5000
fi
# A distributed checkpoint as written before it had a checksum (its JSON alone).
[[ -s $F/lda_dist.ckpt ]] && tail -n +2 "$F/lda_dist.ckpt" >"$F/lda_dist_plain.ckpt"
# draws.csv with a column name that is not UTF-8, and one behind a byte-order mark.
if [[ -f $F/fit_logistic/draws.csv ]]; then
  cp -r "$F/fit_logistic" "$F/fit_logistic_bad_utf8_draws"
  /usr/bin/python3 -c "import sys; p = sys.argv[1]; b = open(p, 'rb').read(); open(p, 'wb').write(b.replace(b'alpha', b'alph\xe9', 1))" \
    "$F/fit_logistic_bad_utf8_draws/draws.csv"
  cp -r "$F/fit_logistic" "$F/fit_logistic_bom_draws"
  printf '\xEF\xBB\xBF' | cat - "$F/fit_logistic/draws.csv" >"$F/fit_logistic_bom_draws/draws.csv"
fi
# model.json with a string that is not UTF-8 (nlohmann's parser refuses it).
if [[ -f $F/fit_lda/model.json ]]; then
  cp -r "$F/fit_lda" "$F/fit_lda_bad_utf8"
  /usr/bin/python3 -c "import sys; p = sys.argv[1]; b = open(p, 'rb').read(); open(p, 'wb').write(b.replace(b'\"ldac\"', b'\"ld\xe9c\"', 1))" \
    "$F/fit_lda_bad_utf8/model.json"
fi
# An output directory another run is writing into (its lock held by a stand-in).
mkdir -p "$F/locked"
echo 12345 >"$F/locked/.elbo.lock"
# It ends with this script and keeps no pipe of ours open (CTest waits for those).
flock -n "$F/locked/.elbo.lock" -c "while kill -0 $$ 2>/dev/null; do sleep 0.5; done" >/dev/null 2>&1 </dev/null &
for d in logistic lda gmm; do
  [[ -d $F/fit_$d ]] || continue
  cp -r "$F/fit_$d" "$F/fit_${d}_truncated"
  m=$F/fit_${d}_truncated/model.json
  [[ -f $m ]] && head -c 150 "$F/fit_$d/model.json" >"$m"
  cp -r "$F/fit_$d" "$F/fit_${d}_nomodel"
  rm -f "$F/fit_${d}_nomodel/model.json"
done
# model.json with one field damaged (edited as a user or a bug might): each error names the field.
edit_model() { # edit_model FIT SUFFIX PYTHON_STATEMENT (on j, the parsed model.json)
  [[ -f $F/fit_$1/model.json ]] || return 0
  cp -r "$F/fit_$1" "$F/fit_$1_$2"
  python3 -c "import json, sys; j = json.load(open(sys.argv[1])); $3; json.dump(j, open(sys.argv[1], 'w'))" \
    "$F/fit_$1_$2/model.json"
}
edit_model lda topics_text 'j["topics"] = "two"'
edit_model lda no_alpha 'del j["alpha"]'
edit_model lda negative_eta 'j["eta"] = -1'
edit_model lda format_number 'j["corpus_format"] = 7'
edit_model gmm no_means 'del j["means"]'
edit_model gmm ragged_means 'j["means"][0] = j["means"][0][:1]'
edit_model gmm negative_precision 'j["mean_precision"][0] = -2'
edit_model gmm columns_object 'j["columns"] = {"a": 1}'
edit_model logistic sds_strings 'j["sds"] = ["a"] * len(j["sds"])'
edit_model logistic features_number 'j["features"] = 3'
edit_model logistic no_draws 'del j["draws"]'
edit_model gp kernel_spec 'j["kernel"]["spec"] = "rbf+nope"'
edit_model gp inducing_nan 'j["inducing"][0][0] = "NaN"'
edit_model gp zero_sd 'j["sds"][0] = 0'

# ---- run the table -----------------------------------------------------------------
clean=0 vague=0 bad=0
declare -a report timing
while IFS=$'\t' read -r name want pattern args; do
  [[ -z $name || $name == \#* ]] && continue
  [[ -n $only && ! $name =~ $only ]] && continue
  out=$tmp/out/$name
  rm -rf "$out"
  mkdir -p "$(dirname "$out")"
  eval "set -- $args"
  t0=$EPOCHREALTIME
  # 6 GB of address space and 120 s: a blow-up or a hang shows as a bad case.
  (ulimit -v 6000000; cd "$tmp" && timeout -k 5 120 "$elbo" "$@" >"$tmp/stdout" 2>"$tmp/stderr")
  code=$?
  timing+=("$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') $name")
  lines=$(wc -l <"$tmp/stderr")
  msg=$(head -c 400 "$tmp/stderr" | head -n 3 | tr '\n' '|')
  if [[ $code -ne $want ]]; then
    bad=$((bad + 1)); report+=("BAD   $name: exit $code, want $want: $msg")
  elif [[ $want -ne 0 && $lines -ne 1 ]]; then
    bad=$((bad + 1)); report+=("BAD   $name: $lines stderr lines: $msg")
  elif [[ $pattern != ".*" ]] && ! grep -Eq -- "$pattern" "$tmp/stderr"; then  # ".*": also silence
    vague=$((vague + 1)); report+=("VAGUE $name: '$msg' does not match /$pattern/")
  else
    clean=$((clean + 1))
  fi
done <"$cases"

# ---- a byte-order mark changes nothing ----------------------------------------------
# The table's rows with a BOM only check that the input is accepted; here each result
# file must equal, byte for byte, the one the same command writes for the file without it
# (but for CmdStan CSV's '#' comments, which name the input file).
same_result() { # same_result NAME FILE "ARGS WITH BOM" "ARGS WITHOUT": FILE is relative to $out
  local name=$1 file=$2 with=$3 without=$4 a b
  [[ -n $only && ! $name =~ $only ]] && return 0
  for run in with without; do
    out=$tmp/out/$name.$run
    rm -rf "$out"
    mkdir -p "$out"
    if [[ $run == with ]]; then eval "set -- $with"; else eval "set -- $without"; fi
    (ulimit -v 6000000; cd "$tmp" && timeout -k 5 120 "$elbo" "$@" >/dev/null 2>"$tmp/stderr")
    local rc=$?
    if [[ $run == with ]]; then a=$rc; else b=$rc; fi
  done
  if [[ $a -ne 0 || $b -ne 0 ]]; then
    bad=$((bad + 1)); report+=("BAD   $name: exit $a with the BOM, $b without: $(head -n 1 "$tmp/stderr")")
  elif ! cmp -s <(grep -v '^#' "$tmp/out/$name.with/$file") <(grep -v '^#' "$tmp/out/$name.without/$file"); then
    bad=$((bad + 1)); report+=("BAD   $name: $file differs with the BOM")
  else
    clean=$((clean + 1))
  fi
}
lda='-K 3 --passes 1 --seed 5 -q -o $out'
same_result bom_same.lda_ldac topics.csv "fit lda --docword \$F/bom_corpus.ldac $lda" "fit lda --docword \$F/corpus.ldac $lda"
same_result bom_same.lda_out_of_core topics.csv "fit lda --docword \$F/bom_corpus.ldac --out-of-core $lda" \
  "fit lda --docword \$F/corpus.ldac --out-of-core $lda"
same_result bom_same.lda_uci topics.csv "fit lda --docword \$F/bom_docword.txt --vocab \$F/vocab.txt $lda" \
  "fit lda --docword \$F/docword.txt --vocab \$F/vocab.txt $lda"
same_result bom_same.lda_text topics.csv "fit lda --docword \$F/bom_corpus.txt --format text $lda" \
  "fit lda --docword \$F/corpus.txt --format text $lda"
same_result bom_same.lda_vocab topics.csv "fit lda --docword \$F/corpus.ldac --vocab \$F/bom_vocab.txt $lda" \
  "fit lda --docword \$F/corpus.ldac --vocab \$F/vocab.txt $lda"
same_result bom_same.gmm model.json "fit gmm --data \$F/bom_gmm.csv --components 3 --seed 5 -q -o \$out" \
  "fit gmm --data \$F/gmm.csv --components 3 --seed 5 -q -o \$out"
same_result bom_same.logistic model.json "fit logistic --data \$F/bom.csv --max-iter 100 --draws 20 --seed 5 -q -o \$out" \
  "fit logistic --data \$F/bc.csv --max-iter 100 --draws 20 --seed 5 -q -o \$out"
same_result bom_same.predict_logistic p.csv "predict --model \$F/fit_logistic --data \$F/bom.csv -q -o \$out/p.csv" \
  "predict --model \$F/fit_logistic --data \$F/bc.csv -q -o \$out/p.csv"
same_result bom_same.predict_lda p.csv "predict --model \$F/fit_lda --data \$F/bom_corpus.ldac -q -o \$out/p.csv" \
  "predict --model \$F/fit_lda --data \$F/corpus.ldac -q -o \$out/p.csv"
same_result bom_same.predict_gmm p.csv "predict --model \$F/fit_gmm --data \$F/bom_gmm.csv -q -o \$out/p.csv" \
  "predict --model \$F/fit_gmm --data \$F/gmm.csv -q -o \$out/p.csv"
same_result bom_same.stan draws.csv "fit stan --model \$F/bernoulli.stan --data \$F/bom.json --cache-dir \$STAN_CACHE --max-iter 200 --draws 20 --seed 5 -q -o \$out" \
  "fit stan --model \$F/bernoulli.stan --data \$F/plain.json --cache-dir \$STAN_CACHE --max-iter 200 --draws 20 --seed 5 -q -o \$out"

printf '%s\n' "${report[@]}"
echo "slowest cases (s):" $(printf '%s\n' "${timing[@]}" | sort -rn | head -5 | awk '{printf "%s %.1f, ", $2, $1}')
echo "bad-input campaign: $((clean + vague + bad)) cases: $clean clean, $vague vague, $bad bad"
[[ $vague -eq 0 && $bad -eq 0 ]]
