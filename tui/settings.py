"""What the app remembers between runs: theme, last site, report choices, and a keymap.

One small JSON file in the user's config directory (platformdirs), or in the directory named
by ``COSPACE_CONFIG_DIR`` (the tests point it at a temporary directory). Choices are kept per
cospace login, so two people sharing a terminal account keep their own; the keymap is for the
whole file: ``{"keymap": {"board.book": "b,ctrl+b"}}`` rebinds any binding with that id
(Textual's ``App.set_keymap``; the ids are listed in docs/tui.md). A file that cannot be read
is ignored (the defaults apply), and a write that fails never stops the app.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

ENV_DIR = "COSPACE_CONFIG_DIR"
FILE_NAME = "settings.json"


def config_dir() -> Path:
    """Where the settings file lives: ``$COSPACE_CONFIG_DIR``, else the user's config dir."""
    env = os.environ.get(ENV_DIR)
    return Path(env) if env else Path(platformdirs.user_config_dir("cospace", appauthor=False))


def default_export_dir() -> Path:
    """Where exports go unless the user says otherwise: their documents directory, else
    their downloads directory, else the home directory."""
    for find in (platformdirs.user_documents_dir, platformdirs.user_downloads_dir):
        try:
            path = Path(find())
        except Exception:  # noqa: BLE001 - a platform without the directory
            continue
        if path.is_dir():
            return path
    return Path.home()


@dataclass
class Settings:
    """The settings file's contents, with a typed accessor for each choice."""

    path: Path
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path | None = None) -> Settings:
        path = (directory or config_dir()) / FILE_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        return cls(path, data if isinstance(data, dict) else {})

    # ------------------------------------------------------------------ per login
    def _user(self, login: str) -> dict[str, Any]:
        users = self.data.setdefault("users", {})
        if not isinstance(users, dict):
            users = self.data["users"] = {}
        user = users.setdefault(login or "-", {})
        if not isinstance(user, dict):
            user = users[login or "-"] = {}
        return user

    def get(self, login: str, key: str, default: Any = None) -> Any:
        return self._user(login).get(key, default)

    def put(self, login: str, key: str, value: Any) -> None:
        """Remember ``key`` for ``login`` and write the file (if the value changed)."""
        user = self._user(login)
        if user.get(key) != value:
            user[key] = value
            self.save()

    def theme(self, login: str) -> str | None:
        value = self.get(login, "theme")
        return value if isinstance(value, str) else None

    def site(self, login: str) -> str | None:
        value = self.get(login, "site")
        return value if isinstance(value, str) else None

    def reports(self, login: str) -> dict[str, Any]:
        value = self.get(login, "reports", {})
        return value if isinstance(value, dict) else {}

    # ------------------------------------------------------------------ keymap
    @property
    def keymap(self) -> dict[str, str]:
        """Binding id -> keys (comma-separated), for ``App.set_keymap``."""
        value = self.data.get("keymap", {})
        if not isinstance(value, dict):
            return {}
        return {str(k): str(v) for k, v in value.items() if isinstance(v, str) and v}

    # ------------------------------------------------------------------ file
    def save(self) -> bool:
        """Write the file whole (a temporary file renamed over it); False when it cannot."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".settings-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.data, fh, indent=2, sort_keys=True)
            os.replace(tmp, self.path)
        except OSError:
            return False
        return True
