"""``cospace completion bash|zsh``: a shell completion script for every command and option,
generated from the parser itself (``shtab``), so it never falls behind the commands."""

from __future__ import annotations

import argparse
import sys

SHELLS = ("bash", "zsh")

INSTALL = """\
bash:  cospace completion bash > ~/.local/share/bash-completion/completions/cospace
zsh:   mkdir -p ~/.zfunc && cospace completion zsh > ~/.zfunc/_cospace
       (and in ~/.zshrc, before compinit: fpath=(~/.zfunc $fpath))
Then open a new shell."""


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("completion", parents=[common],
                       help="print a shell completion script (bash or zsh)",
                       description="Print a completion script for your shell on standard "
                                   "output. Install it once:",
                       epilog=INSTALL, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("shell", choices=SHELLS, help="the shell: bash or zsh")
    p.set_defaults(func=cmd_completion)


def cmd_completion(args: argparse.Namespace, url: str, login: str) -> int:
    import shtab

    from cli.main import build_parser

    sys.stdout.write(shtab.complete(build_parser(), shell=args.shell))
    return 0
