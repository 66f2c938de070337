"""Every TUI test remembers its settings in its own temporary config directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.settings import ENV_DIR


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh settings directory (``COSPACE_CONFIG_DIR``), never the user's own."""
    path = tmp_path / "config"
    monkeypatch.setenv(ENV_DIR, str(path))
    return path
