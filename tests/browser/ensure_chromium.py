"""Make sure Debian's Chromium is at /usr/bin/chromium for the browser tests (tox -e
browser runs this first): when it is missing, install Debian's `chromium` package with
apt-get, through sudo when not root. Never a browser downloaded by Playwright."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

CHROMIUM = Path("/usr/bin/chromium")


class CannotInstall(Exception):
    """Chromium is missing and this script has no way to install it."""


def install_commands(is_root: bool, sudo: Optional[str], apt_get: Optional[str]) -> List[List[str]]:
    """The commands that install Debian's chromium package: `apt-get update`, then
    `apt-get install -y chromium`, as root or through `sudo -n` (never a password prompt)."""
    if apt_get is None:
        raise CannotInstall(
            f"{CHROMIUM} is missing and there is no apt-get: install Chromium so that "
            f"{CHROMIUM} runs it (the browser tests never download a browser)"
        )
    if is_root:
        prefix: List[str] = []
    elif sudo is not None:
        prefix = [sudo, "-n"]
    else:
        raise CannotInstall(
            f"{CHROMIUM} is missing, this user is not root and there is no sudo: as root, run "
            "`apt-get update && apt-get install -y chromium`"
        )
    run = [*prefix, "env", "DEBIAN_FRONTEND=noninteractive", apt_get]
    return [[*run, "update"], [*run, "install", "-y", "chromium"]]


def main() -> int:
    if not CHROMIUM.exists():
        try:
            commands = install_commands(
                os.geteuid() == 0, shutil.which("sudo"), shutil.which("apt-get")
            )
        except CannotInstall as error:
            print(f"ensure_chromium: {error}", file=sys.stderr)
            return 1
        for command in commands:
            print("ensure_chromium: +", " ".join(command), flush=True)
            done = subprocess.run(command, check=False)
            if done.returncode != 0:
                print(
                    f"ensure_chromium: `{' '.join(command)}` exited {done.returncode}; "
                    f"{CHROMIUM} is still missing",
                    file=sys.stderr,
                )
                return 1
        if not CHROMIUM.exists():
            print(
                f"ensure_chromium: installed chromium, but {CHROMIUM} is missing", file=sys.stderr
            )
            return 1
    version = subprocess.run(
        [str(CHROMIUM), "--version"], capture_output=True, text=True, timeout=120, check=False
    )
    if version.returncode != 0:
        print(f"ensure_chromium: `{CHROMIUM} --version` failed:\n{version.stderr}", file=sys.stderr)
        return 1
    print(f"ensure_chromium: {version.stdout.strip()} at {CHROMIUM}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
