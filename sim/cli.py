"""Command line: ``qofsim run``, ``qofsim compare``, ``qofsim evaluate``, ``qofsim report``, ``qofsim check``, ``qofsim params``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.config import LoadedScenario, ScenarioError, load_scenario
from sim.config.errors import ScenarioErrors
from sim.config.loader import blame_overrides, parse_override
from sim.experiment.files import OutputError

EPILOG = """examples:
  qofsim run scenarios/qof_practice.yaml
  qofsim run scenarios/optout_county.yaml -r 5 -w 2
  qofsim run scenarios/qof_practice.yaml --set seed=7 --set years=3
  qofsim compare scenarios/qof_practice.yaml scenarios/optout_practice.yaml --name practice -r 10
  qofsim report results/practice
  qofsim evaluate scenarios/spqs_evaluation.yaml
  qofsim replications scenarios/qof_practice.yaml --precision 0.05
  qofsim sweep scenarios/qof_practice.yaml scenarios/optout_practice.yaml --psa 200 -r 2
  qofsim check scenarios/*.yaml
  qofsim params scenarios/optout_practice.yaml
  qofsim params --docs

-o FOLDER is the results folder in every command (default: results/).
A bad scenario, override or option exits with status 2; Ctrl-C exits with 130
and keeps every finished replication (rerun the same command to resume).
"""

OVERRIDE_HELP = "override a scenario field, e.g. --set seed=7 --set practices.count=3 (validated like the file; repeatable)"
SCHEDULER_HELP = (
    "where runs execute: processes (local pool, default), serial, dask (a local Dask cluster) "
    "or tcp://host:port (a running Dask scheduler)"
)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ScenarioErrors as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        return 2
    except (ScenarioError, OutputError) as exc:
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
    compare.add_argument(
        "--sensitivity", action="store_true",
        help="also sweep, one at a time, each assumption linking reviews to health and each role's clinician minutes "
        "to both ends of its range; writes sensitivity.csv, conclusions.csv and sweep.parquet",
    )
    compare.add_argument(
        "--sensitivity-replications", type=_positive, default=3, metavar="N",
        help="replications per end of each range in --sensitivity (default: 3)",
    )
    compare.set_defaults(func=_cmd_compare)

    evaluate = sub.add_parser(
        "evaluate", help="virtual evaluation of a scheme: power to detect injected harms, records against the truth",
        description="Simulate a pool of practices staying on QOF and switching to the scheme with each injected harm, "
        "analyse many simulated evaluations and write FOLDER/NAME/ (power.csv, mde.csv, estimates, evaluation.html). "
        "-r sets how many independent pools are simulated.",
    )
    evaluate.add_argument("scenario", type=Path, help="evaluation scenario, e.g. scenarios/spqs_evaluation.yaml")
    _run_options(evaluate)
    evaluate.set_defaults(func=_cmd_evaluate)

    _replications_parser(sub)
    _sweep_parser(sub)

    report = sub.add_parser("report", help="(re)build the plots and the HTML report of a written comparison folder")
    report.add_argument("folder", type=Path, help="comparison folder written by 'qofsim compare', e.g. results/county")
    report.set_defaults(func=_cmd_report)

    check = sub.add_parser(
        "check", help="validate scenario files without running them",
        description="Validate scenario files, and check they would run (registers solvable, clinicians with time), "
        "without simulating or writing anything. Every file is reported; exit status 2 if any is bad.",
    )
    check.add_argument("scenarios", type=Path, nargs="+", metavar="scenario", help="scenario YAML file(s)")
    check.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE", help=OVERRIDE_HELP)
    check.set_defaults(func=_cmd_check)

    params = sub.add_parser("params", help="print every parameter of a scenario with its source or assumption")
    params.add_argument("scenario", type=Path, nargs="?", default=Path("scenarios"), help="scenario file (with --docs: its folder; default: scenarios/)")
    params.add_argument("--docs", action="store_true", help="write docs/parameters.md from the shipped scenarios")
    params.set_defaults(func=_cmd_params)
    return parser


def _replications_parser(sub: Any) -> None:
    reps = sub.add_parser(
        "replications", help="how many replications are enough: the confidence-interval method",
        description="Run 5, 10, 20, ... replications until each measure's 95% interval is within --precision "
        "of its mean (or --max is reached); writes FOLDER/replications-NAME.csv.",
    )
    reps.add_argument("scenario", type=Path, help="scenario YAML file")
    reps.add_argument("--measure", action="append", default=None, metavar="MEASURE", help="headline measure to check (repeatable; default: missed_plan_pct)")
    reps.add_argument("--precision", type=_fraction, default=0.05, help="target half-width of the 95%% interval relative to the mean (default 0.05)")
    reps.add_argument("--max", dest="max_replications", type=_positive, default=20, metavar="N", help="stop after this many replications (default 20)")
    reps.add_argument("-w", "--workers", type=_positive, default=None, help="worker processes (default: all cores; 1 = serial)")
    reps.add_argument("-o", "--out", type=Path, default=Path("results"), metavar="FOLDER", help="results folder (default: results/)")
    reps.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE", help=OVERRIDE_HELP)
    reps.add_argument("--scheduler", type=_scheduler, default="processes", help=SCHEDULER_HELP)
    reps.set_defaults(func=_cmd_replications)


def _sweep_parser(sub: Any) -> None:
    sweep = sub.add_parser(
        "sweep", help="sensitivity sweep: scenarios x parameter sets x replications, tidy results",
        description="Run every scenario for every parameter set and replication (common random numbers); "
        "writes FOLDER/NAME.parquet (one row per scenario, sample and replication) and FOLDER/NAME.samples.csv.",
    )
    sweep.add_argument("scenarios", type=Path, nargs="+", metavar="scenario", help="scenario YAML file(s)")
    design = sweep.add_mutually_exclusive_group(required=True)
    design.add_argument("--samples", type=Path, metavar="CSV", help="CSV of parameter sets: one column per dotted field path")
    design.add_argument("--one-way", action="store_true", help="each uncertain parameter at the ends of its range")
    design.add_argument("--psa", type=_positive, metavar="N", help="N parameter sets drawn uniformly over the registry's ranges")
    sweep.add_argument("--seed", type=int, default=1, help="seed for the --psa draws (default: 1)")
    sweep.add_argument("-r", "--replications", type=_positive, default=1, help="replications per parameter set (default: 1)")
    sweep.add_argument("-w", "--workers", type=_positive, default=None, help="worker processes (default: all cores; 1 = serial)")
    sweep.add_argument("--scheduler", type=_scheduler, default="processes", help=SCHEDULER_HELP)
    sweep.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE", help=OVERRIDE_HELP)
    sweep.add_argument(
        "--warmup-years", type=int, default=None,
        help="years simulated before measuring (default: the scenarios' measures.warmup_years); at least the longest review cycle of any scenario swept",
    )
    sweep.add_argument("-o", "--out", type=Path, default=Path("results"), metavar="FOLDER", help="results folder (default: results/)")
    sweep.add_argument("--name", default="sweep", help="file name under --out: NAME.parquet and NAME.samples.csv (default: sweep)")
    sweep.add_argument("--output", type=Path, default=None, help=argparse.SUPPRESS)  # before 0.2: the .parquet file itself
    sweep.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    sweep.set_defaults(func=_cmd_sweep)


def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-r", "--replications", type=_positive, default=1, help="number of replications (default: 1)")
    p.add_argument("-w", "--workers", type=_positive, default=None, help="worker processes (default: all cores; 1 = serial)")
    p.add_argument("-o", "--out", type=Path, default=Path("results"), metavar="FOLDER", help="results folder (default: results/)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE", help=OVERRIDE_HELP)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("--scheduler", type=_scheduler, default="processes", help=SCHEDULER_HELP)
    p.add_argument(
        "--warmup-years", type=int, default=None,
        help="years simulated before measuring (default: the scenario's measures.warmup_years); at least the longest review cycle of any scenario run",
    )
    p.add_argument("--fresh", action="store_true", help="ignore replications cached by an earlier run with the same settings")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (e.g. 0.05 for 5%%), got {value:g}")
    return value


def _scheduler(text: str) -> str:
    from sim.experiment.schedulers import check_scheduler

    try:
        return check_scheduler(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _overrides(items: list[str]) -> dict[str, Any]:
    """``--set FIELD=VALUE`` items as ``{field: value}``; every malformed one is reported."""
    out: dict[str, Any] = {}
    errors = []
    for item in items:
        try:
            field, value = parse_override(item)
        except ScenarioError as exc:
            errors.append(exc)
            continue
        out[field] = value
    if errors:
        raise ScenarioErrors(errors)
    return out


def _load_all(paths: list[Path], overrides: list[str]) -> list[LoadedScenario]:
    """Validate every scenario, and check it would run, before anything runs or is written.
    Every bad file is reported, not only the first."""
    values = _overrides(overrides)
    loaded, errors = [], []
    for path in paths:
        try:
            loaded.append(_checked(path, values))
        except ScenarioError as exc:
            errors.append(exc)
    if errors:
        raise ScenarioErrors(errors)
    return loaded


def _checked(path: Path, overrides: dict[str, Any]) -> LoadedScenario:
    """Load ``path`` with ``overrides`` and preflight it (would it fail at run time?)."""
    from sim.experiment.preflight import preflight

    loaded = load_scenario(path, overrides)
    try:
        preflight(loaded)
    except ScenarioError as exc:
        if not overrides:
            raise
        raise blame_overrides(exc, overrides, _runs_without_overrides(path)) from None
    return loaded


def _runs_without_overrides(path: Path) -> bool:
    try:
        _checked(path, {})
    except ScenarioError:
        return False
    return True


def _cmd_run(args: argparse.Namespace) -> int:
    (loaded,) = _load_all([args.scenario], _with_warmup(args))
    return _experiment([loaded], args.out / loaded.name, args)


def _cmd_compare(args: argparse.Namespace) -> int:
    return _experiment(_load_all(args.scenarios, _with_warmup(args)), args.out / args.name, args)


def _with_warmup(args: argparse.Namespace) -> list[str]:
    extra = [] if args.warmup_years is None else [f"measures.warmup_years={args.warmup_years}"]
    return [*args.overrides, *extra]


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from sim.evaluation.run import evaluate_command

    (loaded,) = _load_all([args.scenario], _with_warmup(args))
    return evaluate_command(loaded, args.out, args.replications, args.workers, args.scheduler, args.quiet, args.fresh)


def _experiment(loaded: list[LoadedScenario], folder: Path, args: argparse.Namespace) -> int:
    from sim.experiment.compare import compare
    from sim.experiment.files import writable_folder
    from sim.experiment.preflight import distinct_names
    from sim.experiment.replications import Interrupted

    distinct_names(loaded)
    writable_folder(folder)
    try:
        swept = args.sensitivity_replications if getattr(args, "sensitivity", False) else 0
        written = compare(
            loaded, folder, range(args.replications), args.workers, not args.quiet, args.scheduler, args.fresh,
            sensitivity_replications=swept,
        )
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
    from sim.output.report import plots_and_report

    try:
        drawn, report = plots_and_report(args.folder, svg=True)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(drawn)} plot files to {args.folder / 'plots'}")
    print(f"wrote {report}")
    return 0


def _cmd_replications(args: argparse.Namespace) -> int:
    """Add replications in batches until every measure's interval is within the precision."""
    import pandas as pd

    from sim.experiment.files import atomic_file
    from sim.experiment.files import writable_folder
    from sim.experiment.replications import Interrupted, cache_for, run_experiment
    from sim.experiment.stats import cumulative_ci, replications_needed
    from sim.measures.summary import MEASURES, headline

    (loaded,) = _load_all([args.scenario], args.overrides)
    measures = args.measure or ["missed_plan_pct"]
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise OutputError(f"--measure {unknown[0]}: not a headline measure; choose from {', '.join(MEASURES)}")
    writable_folder(args.out)
    cache = cache_for(args.out / f"replications-{loaded.name}")
    n, needed = 0, {}
    try:
        while n < args.max_replications:
            n = min(args.max_replications, max(5, 2 * n))
            (result,) = run_experiment([loaded], cache, range(n), args.workers, args.scheduler, progress=True)
            head = headline(result.tables)
            needed = {m: replications_needed(head[m].to_numpy(), args.precision) for m in measures}
            if all(v is not None for v in needed.values()):
                break
    except Interrupted as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 130
    tables = [cumulative_ci(head[m].to_numpy()).assign(measure=m) for m in measures]
    table = pd.concat(tables, ignore_index=True)
    path = atomic_file(args.out / f"replications-{loaded.name}.csv", lambda tmp: table.round(5).to_csv(tmp, index=False))
    print(table.round(4).to_string(index=False))
    for m, k in needed.items():
        verdict = f"{k} replications" if k else f"not reached in {n} replications"
        print(f"{m}: 95% interval within {args.precision:.0%} of the mean from {verdict}")
    print(f"wrote {path}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from sim.experiment.files import atomic_file
    from sim.experiment.files import writable_folder
    from sim.experiment.sweep import sweep

    folder, name = _sweep_destination(args)
    given = _with_warmup(args)
    _load_all(args.scenarios, given)
    overrides = _overrides(given)
    samples = _sweep_samples(args, overrides)
    writable_folder(folder)
    results = sweep(args.scenarios, samples, range(args.replications), overrides, args.workers, args.scheduler, not args.quiet)
    table = atomic_file(folder / f"{name}.parquet", lambda tmp: results.to_parquet(tmp, index=False))
    drawn = atomic_file(folder / f"{name}.samples.csv", lambda tmp: samples.to_csv(tmp, index_label="sample"))
    print(f"wrote {table} ({len(results):,} rows) and {drawn}")
    return 0


def _sweep_destination(args: argparse.Namespace) -> tuple[Path, str]:
    """Folder and file stem; ``-o x.parquet`` or ``--output x.parquet`` (the old meaning) still name the file."""
    old = args.output or (args.out if args.out.suffix == ".parquet" else None)
    if old is None:
        return args.out, args.name
    print(f"note: -o now names the results folder; writing {old} as asked (next time: -o {old.parent} --name {old.stem})", file=sys.stderr)
    return old.parent, old.stem


def _sweep_samples(args: argparse.Namespace, overrides: dict[str, Any]) -> Any:
    """The parameter sets: from --samples (checked against every scenario), --one-way or --psa."""
    import pandas as pd

    from sim.experiment.sweep import one_way_samples, uncertain_parameters, uniform_samples

    if args.one_way or args.psa:
        params = uncertain_parameters(args.scenarios, overrides)
        return one_way_samples(params) if args.one_way else uniform_samples(params, args.psa, args.seed)
    try:
        samples = pd.read_csv(args.samples)
    except (OSError, ValueError) as exc:
        raise OutputError(f"--samples {args.samples}: cannot read it as CSV ({exc})") from None
    if samples.empty:
        raise OutputError(f"--samples {args.samples}: no parameter sets in it")
    first = {k: v.item() if hasattr(v, "item") else v for k, v in samples.iloc[0].items()}
    for path in args.scenarios:
        try:
            load_scenario(path, {**overrides, **first})
        except ScenarioError as exc:
            raise exc.blamed_on(f"--samples {args.samples} (first row)") from None
    return samples


def _cmd_check(args: argparse.Namespace) -> int:
    """Report every file: ok, or each problem; exit 2 if any is bad."""
    overrides = _overrides(args.overrides)
    bad = 0
    for path in args.scenarios:
        try:
            loaded = _checked(path, overrides)
        except ScenarioError as exc:
            print(f"error: {exc}", file=sys.stderr)
            bad += 1
            continue
        sc = loaded.scenario
        print(f"ok  {loaded.path}: {sc.name} ({sc.regime.policy}, {sc.practices.count} practice(s), {sc.years} years)")
    return 2 if bad else 0


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
