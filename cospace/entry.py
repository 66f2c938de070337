"""The ``cospace`` command: check that ``booking``, ``cli``, ``db`` and ``tui`` are this
distribution's own packages, then run :func:`cli.main.main`.

Those names are generic: another package called ``db`` or ``cli`` earlier on ``sys.path`` (a
``PYTHONPATH`` entry, a folder of the same name) would be imported in their place, and another
distribution installed into the same environment could overwrite their files. Either would
fail later in a way nobody could act on; this check fails first, in plain words, and costs a
few milliseconds (no third-party import, one small file read).
"""

from __future__ import annotations

import gc
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

#: The top-level packages the cospace wheel installs besides this one.
PACKAGES = ("booking", "cli", "db", "tui")

ADVICE = ("cospace installs the top-level Python packages booking, cli, db and tui; install it "
          "in an environment of its own, e.g. 'pipx install .' or 'uv tool install .' in a "
          "clone of cospace.")


def home() -> Path:
    """The directory this distribution's packages were installed into (or the source tree)."""
    return Path(__file__).resolve().parent.parent


def shadowed(root: Path | None = None) -> list[str]:
    """Each of :data:`PACKAGES` that Python would import from somewhere other than ``root``."""
    root = root or home()
    out = []
    for name in PACKAGES:
        expected = (root / name / "__init__.py").resolve()
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        found = Path(spec.origin).resolve() if spec is not None and spec.origin else None
        if found != expected:
            where = found.parent if found is not None else "nowhere"
            out.append(f"the package '{name}' Python finds is {where}, not cospace's own "
                       f"({expected.parent})")
    return out


def overwritten(root: Path | None = None) -> list[str]:
    """Each ``__init__.py`` of :data:`PACKAGES` whose content is not what the installed wheel
    wrote (its RECORD hash): another distribution installed files of the same name over
    cospace's. An editable install or a source tree has no such record and is not checked."""
    root = root or home()
    records = sorted(root.glob("cospace-*.dist-info/RECORD"))
    if not records:
        return []
    import base64  # only for an installed wheel's record: an editable install has none
    import hashlib

    wanted = {f"{name}/__init__.py" for name in PACKAGES}
    out = []
    for line in records[-1].read_text(encoding="utf-8").splitlines():
        path, _, rest = line.partition(",")
        digest = rest.partition(",")[0]
        if path not in wanted or not digest.startswith("sha256="):
            continue
        try:
            data = (root / path).read_bytes()
        except OSError:
            out.append(f"{root / path} is missing")
            continue
        actual = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        if f"sha256={actual}" != digest:
            out.append(f"{root / path} is not cospace's (another distribution installed a "
                       f"package '{path.split('/')[0]}' over it)")
    return out


def check() -> str | None:
    """None when the packages are cospace's own; else the message to print."""
    problems = shadowed() or overwritten()
    if not problems:
        return None
    return "cospace: cannot start: " + "; ".join(problems) + ". " + ADVICE


def main(argv: Sequence[str] | None = None) -> int:
    # A command is a short process that imports a great deal (SQLAlchemy, SQLModel, the
    # tables) and frees little: the cyclic garbage collector's passes during those imports are
    # about a tenth of the start-up. cli.main turns it back on once the imports are done
    # (collect_garbage_again); a command that ends before that (--help) does so here.
    gc.disable()
    try:
        problem = check()
        if problem is not None:
            print(problem, file=sys.stderr)
            return 2
        from cli.main import collect_garbage_again
        from cli.main import main as cli_main

        try:
            return cli_main(argv)
        finally:
            collect_garbage_again()
    finally:
        gc.enable()
