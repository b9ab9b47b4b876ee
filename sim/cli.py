"""Command line: ``qofsim run``, ``qofsim compare``, ``qofsim report``, ``qofsim check``, ``qofsim params``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from sim.config import LoadedScenario, ScenarioError, load_scenario

EPILOG = """examples:
  qofsim run scenarios/qof_practice.yaml
  qofsim run scenarios/optout_county.yaml --replications 5 --workers 2
  qofsim run scenarios/qof_practice.yaml --set seed=7 --set years=3
  qofsim compare scenarios/qof_county.yaml scenarios/optout_county.yaml --name county
  qofsim report results/county
  qofsim check scenarios/*.yaml
  qofsim params scenarios/optout_practice.yaml > docs/parameters.md
"""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: nothing was written for the unfinished run", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qofsim",
        description="Simulate long-term-condition care in English general practice under QOF and opt-out regimes.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="simulate one scenario and write its results")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    _run_options(run)
    run.set_defaults(func=_cmd_run)

    compare = sub.add_parser("compare", help="simulate several scenarios with common random numbers and compare them")
    compare.add_argument("scenarios", type=Path, nargs="+", help="scenario YAML files (same seed: common random numbers)")
    compare.add_argument("--name", default="comparison", help="results folder name under --out (default: comparison)")
    _run_options(compare)
    compare.set_defaults(func=_cmd_compare)

    reps = sub.add_parser("replications", help="how many replications are enough: the confidence-interval method")
    reps.add_argument("scenario", type=Path)
    reps.add_argument("--measure", action="append", default=None, help="headline measure(s) to check (default: overdue_pct)")
    reps.add_argument("--precision", type=float, default=0.05, help="target half-width of the 95%% interval relative to the mean (default 0.05)")
    reps.add_argument("--max", dest="max_replications", type=int, default=20, help="stop after this many replications (default 20)")
    reps.add_argument("-w", "--workers", type=int, default=None)
    reps.add_argument("-o", "--out", type=Path, default=Path("results"))
    reps.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE")
    reps.add_argument("--scheduler", default="processes")
    reps.set_defaults(func=_cmd_replications)

    sweep = sub.add_parser("sweep", help="sensitivity sweep: scenarios x parameter sets x replications, tidy results")
    sweep.add_argument("scenarios", type=Path, nargs="+")
    design = sweep.add_mutually_exclusive_group(required=True)
    design.add_argument("--samples", type=Path, help="CSV of parameter sets: one column per dotted field path")
    design.add_argument("--one-way", action="store_true", help="each uncertain parameter at the ends of its range")
    design.add_argument("--psa", type=int, metavar="N", help="N parameter sets drawn uniformly over the registry's ranges")
    sweep.add_argument("--seed", type=int, default=1, help="seed for --psa draws")
    sweep.add_argument("-r", "--replications", type=int, default=1)
    sweep.add_argument("-w", "--workers", type=int, default=None)
    sweep.add_argument("--scheduler", default="processes")
    sweep.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE")
    sweep.add_argument("-o", "--output", type=Path, default=Path("results/sweep.parquet"))
    sweep.add_argument("-q", "--quiet", action="store_true")
    sweep.set_defaults(func=_cmd_sweep)

    report = sub.add_parser("report", help="(re)build the plots and the HTML report of a written comparison folder")
    report.add_argument("folder", type=Path, help="comparison folder written by 'qofsim compare', e.g. results/county")
    report.set_defaults(func=_cmd_report)

    check = sub.add_parser("check", help="validate scenario files without running them")
    check.add_argument("scenarios", type=Path, nargs="+")
    check.set_defaults(func=_cmd_check)

    params = sub.add_parser("params", help="print every parameter of a scenario with its source or assumption")
    params.add_argument("scenario", type=Path, nargs="?", default=Path("scenarios"), help="scenario file (default: scenarios/)")
    params.add_argument("--docs", action="store_true", help="write docs/parameters.md from the shipped scenarios")
    params.set_defaults(func=_cmd_params)
    return parser


def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-r", "--replications", type=int, default=1, help="number of replications (default: 1)")
    p.add_argument("-w", "--workers", type=int, default=None, help="worker processes (default: all cores; 1 = serial)")
    p.add_argument("-o", "--out", type=Path, default=Path("results"), help="results folder (default: results/)")
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE",
        help="override a scenario field, e.g. --set seed=7 --set practices.count=3 (validated like the file)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--scheduler", default="processes",
        help="where runs execute: processes (local pool, default), serial, dask (a local Dask cluster) or tcp://host:port (a running Dask scheduler)",
    )
    p.add_argument("--warmup-years", type=int, default=None, help="years simulated before measuring (default: the scenario's measures.warmup_years)")
    p.add_argument("--fresh", action="store_true", help="ignore replications cached by an earlier run with the same settings")


def _overrides(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        field, sep, value = item.partition("=")
        if not sep or not field:
            raise SystemExit(f"error: --set expects FIELD=VALUE, got {item!r}")
        out[field.strip()] = yaml.safe_load(value)
    return out


def _load_all(paths: list[Path], overrides: list[str]) -> list[LoadedScenario]:
    """Validate every scenario before anything runs."""
    return [load_scenario(p, _overrides(overrides)) for p in paths]


def _cmd_run(args: argparse.Namespace) -> int:
    (loaded,) = _load_all([args.scenario], _with_warmup(args))
    return _experiment([loaded], args.out / loaded.name, args)


def _cmd_compare(args: argparse.Namespace) -> int:
    return _experiment(_load_all(args.scenarios, _with_warmup(args)), args.out / args.name, args)


def _with_warmup(args: argparse.Namespace) -> list[str]:
    extra = [] if args.warmup_years is None else [f"measures.warmup_years={args.warmup_years}"]
    return [*args.overrides, *extra]


def _experiment(loaded: list[LoadedScenario], folder: Path, args: argparse.Namespace) -> int:
    from sim.experiment.compare import compare
    from sim.experiment.replications import Interrupted
    from sim.experiment.schedulers import check_scheduler

    if args.replications < 1:
        raise SystemExit("error: --replications must be at least 1")
    try:
        check_scheduler(args.scheduler)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    try:
        written = compare(loaded, folder, range(args.replications), args.workers, not args.quiet, args.scheduler, args.fresh)
    except Interrupted as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 130
    from sim.output.report import answer_text, write_report

    report = write_report(written)
    if report and (text := answer_text(written)):
        print(text)
    print(f"wrote {written}" + (f"; report: {report}" if report else ""))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from sim.output import plots
    from sim.output.report import build_report

    try:
        drawn = plots.make_plots(args.folder, svg=True)
        report = build_report(args.folder)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(drawn)} plot files to {args.folder / 'plots'}")
    print(f"wrote {report}")
    return 0


def _cmd_replications(args: argparse.Namespace) -> int:
    """Add replications in batches until every measure's interval is within the precision."""
    import pandas as pd

    from sim.experiment.replications import cache_for, run_experiment
    from sim.experiment.stats import cumulative_ci, replications_needed
    from sim.measures.summary import headline

    (loaded,) = _load_all([args.scenario], args.overrides)
    measures = args.measure or ["overdue_pct"]
    cache = cache_for(args.out / f"replications-{loaded.name}")
    n, needed = 0, {}
    while n < args.max_replications:
        n = min(args.max_replications, max(5, 2 * n))
        (result,) = run_experiment([loaded], cache, range(n), args.workers, args.scheduler, progress=True)
        head = headline(result.tables)
        needed = {m: replications_needed(head[m].to_numpy(), args.precision) for m in measures}
        if all(v is not None for v in needed.values()):
            break
    tables = [cumulative_ci(head[m].to_numpy()).assign(measure=m) for m in measures]
    table = pd.concat(tables, ignore_index=True)
    path = args.out / f"replications-{loaded.name}.csv"
    table.round(5).to_csv(path, index=False)
    print(table.round(4).to_string(index=False))
    for m, k in needed.items():
        verdict = f"{k} replications" if k else f"not reached in {n} replications"
        print(f"{m}: 95% interval within {args.precision:.0%} of the mean from {verdict}")
    print(f"wrote {path}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    import pandas as pd

    from sim.output.results import atomic_file
    from sim.experiment.sweep import one_way_samples, sweep, uncertain_parameters, uniform_samples

    overrides = _overrides(args.overrides)
    _load_all(args.scenarios, args.overrides)
    params = uncertain_parameters(args.scenarios, overrides)
    if args.samples:
        samples = pd.read_csv(args.samples)
    elif args.one_way:
        samples = one_way_samples(params)
    else:
        samples = uniform_samples(params, args.psa, args.seed)
    results = sweep(args.scenarios, samples, range(args.replications), overrides, args.workers, args.scheduler, not args.quiet)
    atomic_file(args.output, lambda tmp: results.to_parquet(tmp, index=False))
    samples.to_csv(args.output.with_suffix(".samples.csv"), index_label="sample")
    print(f"wrote {args.output} ({len(results):,} rows) and {args.output.with_suffix('.samples.csv')}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    for loaded in _load_all(args.scenarios, []):
        sc = loaded.scenario
        print(f"ok  {loaded.path}: {sc.name} ({sc.regime.policy}, {sc.practices.count} practice(s), {sc.years} years)")
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
    from sim.config.registry import docs, markdown, registry

    if args.docs:
        text = docs(args.scenario if args.scenario.is_dir() else args.scenario.parent)
        Path("docs").mkdir(exist_ok=True)
        Path("docs/parameters.md").write_text(text)
        print("wrote docs/parameters.md")
        return 0
    (loaded,) = _load_all([args.scenario], [])
    print(markdown(registry(loaded)))
    return 0



if __name__ == "__main__":
    raise SystemExit(main())
