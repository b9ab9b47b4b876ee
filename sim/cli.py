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
    from sim.results import write_run
    from sim.runner import run_scenario

    (loaded,) = _load_all([args.scenario], args.overrides)
    if args.replications < 1:
        raise SystemExit("error: --replications must be at least 1")
    result = run_scenario(loaded, range(args.replications), args.workers, progress=not args.quiet)
    folder = write_run(result, loaded, args.out / loaded.name)
    _report_speed(result)
    print(f"wrote {folder}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from sim.compare import compare

    loaded = _load_all(args.scenarios, args.overrides)
    folder = compare(loaded, args.out / args.name, range(args.replications), args.workers, progress=not args.quiet)
    print(f"wrote {folder}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from sim.plots import make_plots
    from sim.report import build_report

    try:
        plots = make_plots(args.folder)
        report = build_report(args.folder)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(plots)} plot files to {args.folder / 'plots'}")
    print(f"wrote {report}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    for loaded in _load_all(args.scenarios, []):
        sc = loaded.scenario
        print(f"ok  {loaded.path}: {sc.name} ({sc.regime.policy}, {sc.practices.count} practice(s), {sc.years} years)")
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
    from sim.registry import docs, markdown, registry

    if args.docs:
        text = docs(args.scenario if args.scenario.is_dir() else args.scenario.parent)
        Path("docs").mkdir(exist_ok=True)
        Path("docs/parameters.md").write_text(text)
        print("wrote docs/parameters.md")
        return 0
    (loaded,) = _load_all([args.scenario], [])
    print(markdown(registry(loaded)))
    return 0


def _report_speed(result: Any) -> None:
    rate = result.patient_years / result.seconds if result.seconds else float("nan")
    print(f"{result.scenario}: {result.patient_years:,.0f} patient-years in {result.seconds:.1f}s ({rate:,.0f} patient-years/s)")


if __name__ == "__main__":
    raise SystemExit(main())
