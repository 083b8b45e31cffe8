"""CLI commands of the test harness other than `check`: ftest (avocado), divergence matrix."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
