"""``losscli list`` and ``losscli explain``: the registry as tables and texts."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from losscli.cli.app import app
from losscli.cli.exits import errors
from losscli.errors import unknown_choice


@app.command("list")
def list_cmd(
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="F", help="table or json.")
    ] = "table",
    kind: Annotated[str | None, typer.Option("--kind", help="Only 'loss' or 'metric'.")] = None,
    task: Annotated[
        str | None,
        typer.Option(
            "--task",
            help="Only entries for this task: regression, binary, multiclass or multilabel.",
        ),
    ] = None,
) -> None:
    """List every loss and metric: name, aliases, tasks, input kind, parameters."""
    import json

    from losscli.scoring import registry

    with errors():
        if fmt not in ("table", "json"):
            raise unknown_choice("list --format", fmt, ("table", "json"))
        if kind is not None and kind not in ("loss", "metric"):
            raise unknown_choice("--kind", kind, ("loss", "metric"))
        if task is not None and task not in registry.TASKS:
            raise unknown_choice("--task", task, registry.TASKS)
        rows = [
            e
            for e in registry.entries()
            if (kind is None or e.kind == kind) and (task is None or task in e.tasks)
        ]
        if fmt == "json":
            sys.stdout.write(json.dumps([e.to_json() for e in rows], indent=2) + "\n")
            return
        lines = []
        for e in rows:
            params = ", ".join(f"{p.name}={p.show(p.default)}" for p in e.params) or "-"
            row = (e.name, e.kind, ", ".join(e.aliases) or "-", ",".join(e.tasks), e.inputs)
            lines.append((*row, e.needs, params))
        header = ("name", "kind", "aliases", "tasks", "inputs", "needs", "params")
        widths = [max(len(r[i]) for r in [header, *lines]) for i in range(6)]
        for r in [header, *lines]:
            sys.stdout.write("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[6] + "\n")


@app.command("explain")
def explain_cmd(
    name: Annotated[str, typer.Argument(help="A loss or metric name or alias.")],
) -> None:
    """Show the formula, parameters, expected inputs and when to use a loss or metric."""
    from losscli.scoring import registry
    from losscli.validate.tasks import __doc__ as inference_doc

    with errors():
        for e in registry.lookup(name):
            out = [
                f"{e.name} ({e.kind})",
                f"  {e.summary}",
                "",
                f"  formula:    {e.formula}",
                f"  aliases:    {', '.join(e.aliases) or '-'}",
                f"  tasks:      {', '.join(e.tasks)}",
                f"  inputs:     {_INPUTS[e.inputs]}",
                f"  needs:      {registry.NEEDS[e.needs]}",
                f"  better:     {e.direction}",
                f"  use when:   {e.use_when}",
            ]
            if e.reference:
                out.append(f"  matches:    {e.reference}")
            if e.params:
                out.append("  parameters:")
                for p in e.params:
                    out.append(f"    {p.name} = {p.show(p.default)}  ({p.range_text()}): {p.doc}")
            out.append("  conventions:")
            logs = registry.LOG_CONVENTIONS if e.clipped is not None else ()
            lines = (*e.notes, *logs, *registry.CONVENTIONS.get(e.inputs, ()), *registry.GENERAL)
            for line in lines:
                out.append(f"    - {line}")
            sys.stdout.write("\n".join(out) + "\n\n")
        sys.stdout.write(
            "How --task auto decides:"
            + (inference_doc or "")
            .split("Task inference (``--task auto``), in order:")[-1]
            .replace("``", "")
            + "\n"
        )


_INPUTS = {
    "values": "real-valued targets and predictions (one or more outputs)",
    "probabilities": "labels (0/1, class indices, one-hot or class names) and probabilities "
    "(or logits with --from-logits)",
    "scores": "labels in {0, 1} or {-1, +1} and raw decision scores (margins m = y·f(x))",
    "labels": "labels and predictions; decisions by threshold (binary) or argmax (multiclass)",
    "ranking": "labels and scores or probabilities (only their order matters per class; "
    "logits are turned into probabilities for multiclass)",
}
