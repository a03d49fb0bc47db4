"""Compare today's GraphIndex with the one of another revision, answer by answer.

    python benchmarks/compare_index.py [REV] [--random 1500]

REV (default 519c69f, before the integer-id index) gives ``speclint/read/graph.py`` as it was (the
one-file index, before it became the ``speclint/read/graph/`` package);
both indexes answer ``consumers``, ``producer``, ``forward``, ``backward``, ``path_ops``,
``op_counts``, ``reachable_functions`` and the NCHW nodes for refs of every graph in golden/models,
the corpus, the shapes of ``shapes.py`` and random small graphs (duplicate names, calls by op and
by attribute, control flow, recursion, missing nodes). Random graphs refer to arguments by their
bare names, as TensorFlow requires (the old index merged an argument with a node of the same name),
and put ``data_format`` only on ops that may declare one (TensorFlow ignores it elsewhere; the new
index does not read it there: graph.node_rules.LAYOUT_OPS).
Prints each difference; exits 1 if there is one.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import shapes  # noqa: E402

import speclint.read.accelerator  # noqa: E402
import speclint.read.graph.floods  # noqa: E402
from speclint.proto import messages  # noqa: E402
from speclint.read.graph import index as new  # noqa: E402
from speclint.read.graph.node_rules import NCHW_FORMATS  # noqa: E402
from speclint.read.loading import ReadError, load_saved_model  # noqa: E402

OPS = ["Relu", "Identity", "IdentityN", "AddV2", "Const", "StatefulPartitionedCall", "PartitionedCall"]
OPS += ["If", "While", "Case", "Merge", "Snapshot", "StopGradient", "Mul", "Conv2D", "MyCustomOp", "_Internal"]


def old_module(rev: str) -> Any:
    text = subprocess.run(["git", "show", f"{rev}:speclint/read/graph.py"], cwd=REPO, capture_output=True, check=True)
    package = Path(tempfile.mkdtemp())  # speclint/ as the old file saw it: read/graph.py beside data/
    (package / "data").symlink_to(REPO / "speclint" / "data")
    path = package / "read" / "old_graph.py"
    path.parent.mkdir()
    path.write_bytes(text.stdout)
    spec = importlib.util.spec_from_file_location("old_graph", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # the modules the one-file index imported, under their names of then
    renamed = {"speclint.read.native": speclint.read.accelerator, "speclint.read.flood": speclint.read.graph.floods}
    saved = {name: sys.modules.get(name) for name in renamed}
    sys.modules.update(renamed)
    try:
        spec.loader.exec_module(module)
    finally:
        for name, value in saved.items():
            if value is None:
                del sys.modules[name]
            else:
                sys.modules[name] = value
    return module


def refs_of(index: Any, graph_def: Any) -> list[Any]:
    refs = [new.Ref(new.TOP, n.name, i) for n in graph_def.node for i in (0, 1)]
    for function in graph_def.library.function:
        name = function.signature.name
        refs += [new.Ref(name, a.name, i, True) for i, a in enumerate(function.signature.input_arg)]
        refs += [new.Ref(name, n.name, i) for n in function.node_def for i in (0, 1)]
        outputs = (index.function_output(name, i) for i in range(len(function.signature.output_arg)))
        refs += [ref for ref in outputs if ref is not None]
    return refs


def compare(old: Any, graph_def: Any, label: str, limit: int = 400) -> int:
    before, after = old.GraphIndex(graph_def), new.GraphIndex(graph_def)

    def back(ref: Any) -> Any:
        return old.Ref(ref.scope, ref.node, ref.index, ref.is_arg)

    problems = []
    if sorted(before.scopes) != sorted(after.scopes):
        problems.append("scopes")
    problems += [f"op_counts {s}" for s in before.scopes if before.op_counts(s) != after.op_counts(s)]
    if before.reachable_functions() != after.reachable_functions():
        problems.append("reachable_functions")
    if before.nodes_with_attr("data_format", NCHW_FORMATS) != after.nodes_with_attr("data_format", NCHW_FORMATS):
        problems.append("nchw nodes")
    refs = refs_of(after, graph_def)
    sample = refs[:: max(1, len(refs) // limit)]
    for ref in sample:
        for query in ("consumers", "producer", "forward", "backward"):
            if getattr(before, query)(back(ref)) != getattr(after, query)(ref):
                problems.append(f"{query} {ref}")
    for source in sample[:20]:
        for sink in sample[-20:]:
            if before.path_ops(back(source), back(sink)) != after.path_ops(source, sink):
                problems.append(f"path_ops {source} {sink}")
    for problem in problems[:5]:
        print(f"{label}: {problem}")
    return len(problems)


def random_graph(rng: random.Random) -> Any:
    graph = messages.GraphDef()
    functions = [f"f{i}" for i in range(rng.randint(0, 4))]

    def fill(nodes: Any, args: list[str]) -> list[str]:
        pool = ["a", "b", "c", "d", "e", "x"]
        names = [rng.choice([*pool, f"n{rng.randint(0, 20)}"]) for _ in range(rng.randint(0, 12))]
        for name in names:
            op = rng.choice(OPS + functions)
            node = nodes.add(name=name, op=op)
            for _ in range(rng.randint(0, 3)):
                source = rng.choice(names + args + ["missing"])
                form = 0 if source in args else rng.randint(0, 4)
                suffix = ["", f":{rng.randint(0, 2)}", f":output:{rng.randint(0, 2)}", f":y:{rng.randint(0, 1)}"]
                node.input.append("^" + source if form == 4 else source + suffix[form])
            if functions and rng.random() < 0.7:
                if op in ("StatefulPartitionedCall", "PartitionedCall"):
                    node.attr["f"].func.name = rng.choice(functions)
                elif op == "If":
                    node.attr["then_branch"].func.name = rng.choice(functions)
                    node.attr["else_branch"].func.name = rng.choice(functions)
                elif op == "While":
                    node.attr["body"].func.name = rng.choice(functions)
                elif op == "Case":
                    node.attr["branches"].list.func.add(name=rng.choice(functions))
            if rng.random() < 0.3 and op in ("Conv2D", "MyCustomOp", "_Internal"):
                node.attr["data_format"].s = rng.choice([b"NCHW", b"NHWC"])
        return names

    fill(graph.node, [])
    for name in functions:
        function = graph.library.function.add()
        function.signature.name = name
        args = [rng.choice(["arg0", "arg1", "arg2"]) for _ in range(rng.randint(0, 3))]
        for arg in args:
            function.signature.input_arg.add(name=arg)
        outputs = [rng.choice(["y", "z", "out"]) for _ in range(rng.randint(0, 2))]
        for output in outputs:
            function.signature.output_arg.add(name=output)
        names = fill(function.node_def, args)
        for output in outputs:
            if names or args:
                source = rng.choice(names + args)
                ret = f"{source}:{rng.choice(['output', 'y'])}:{rng.randint(0, 1)}"
                function.ret[output] = source if source in args else ret
    return graph


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rev", nargs="?", default="519c69f")
    parser.add_argument("--random", type=int, default=1500)
    args = parser.parse_args()
    old = old_module(args.rev)
    graphs: list[tuple[str, Any]] = []
    for name, build in shapes.SHAPES.items():
        graphs.append((name, messages.SavedModel.FromString(build(40)).meta_graphs[0].graph_def))
    corpus = REPO.parent / "shared" / "corpus"
    for path in sorted(glob.glob(f"{REPO}/golden/models/*/saved_model.pb*") + glob.glob(f"{corpus}/*/saved_model.pb*")):
        try:
            with speclint.read.accelerator.pure_python():  # the whole file parsed: graph_defs with their nodes
                saved_model, _ = load_saved_model(path)
            graphs += [(Path(path).parent.name, m.graph_def) for m in saved_model.meta_graphs]
        except ReadError:
            continue
    graphs += [(f"random {seed}", random_graph(random.Random(seed))) for seed in range(args.random)]
    differences = sum(compare(old, graph_def, label) for label, graph_def in graphs)
    print(f"{len(graphs)} graphs compared with {args.rev}: {differences} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
