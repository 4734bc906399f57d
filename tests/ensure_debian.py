"""Make sure a program the slower test environments need is installed, from Debian's
packages: Chromium for the browser tests and the matrix page check, Node.js and npm for
the Express adapter. Run by tox before those envs; installs with apt-get (through
`sudo -n` when not root) only what is missing, never a browser downloaded by Playwright."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple


@dataclass(frozen=True)
class Target:
    """Programs that must run, and the Debian packages that provide them."""

    programs: Tuple[str, ...]
    packages: Tuple[str, ...]


TARGETS = {
    "chromium": Target(programs=("/usr/bin/chromium",), packages=("chromium",)),
    "node": Target(programs=("node", "npm"), packages=("nodejs", "npm")),
}


class CannotInstall(Exception):
    """Something is missing and this script has no way to install it."""


def install_commands(
    is_root: bool, sudo: Optional[str], apt_get: Optional[str], packages: Sequence[str]
) -> List[List[str]]:
    """`apt-get update`, then `apt-get install -y PACKAGES`, as root or through `sudo -n`
    (never a password prompt)."""
    wanted = " ".join(packages)
    if apt_get is None:
        raise CannotInstall(f"there is no apt-get: install {wanted} by hand")
    if is_root:
        prefix: List[str] = []
    elif sudo is not None:
        prefix = [sudo, "-n"]
    else:
        raise CannotInstall(
            f"this user is not root and there is no sudo: as root, run "
            f"`apt-get update && apt-get install -y {wanted}`"
        )
    run = [*prefix, "env", "DEBIAN_FRONTEND=noninteractive", apt_get]
    return [[*run, "update"], [*run, "install", "-y", *packages]]


def missing(target: Target) -> List[str]:
    """The target's programs that are not installed."""
    return [program for program in target.programs if shutil.which(program) is None]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", choices=sorted(TARGETS))
    name = parser.parse_args(argv).target
    target = TARGETS[name]
    absent = missing(target)
    if absent:
        print(f"ensure_debian: {', '.join(absent)} missing", flush=True)
        try:
            commands = install_commands(
                os.geteuid() == 0, shutil.which("sudo"), shutil.which("apt-get"), target.packages
            )
        except CannotInstall as error:
            print(f"ensure_debian: {', '.join(absent)} missing and {error}", file=sys.stderr)
            return 1
        for command in commands:
            print("ensure_debian: +", " ".join(command), flush=True)
            done = subprocess.run(command, check=False)
            if done.returncode != 0:
                print(
                    f"ensure_debian: `{' '.join(command)}` exited {done.returncode}; "
                    f"{', '.join(absent)} still missing",
                    file=sys.stderr,
                )
                return 1
        absent = missing(target)
        if absent:
            print(
                f"ensure_debian: installed {' '.join(target.packages)}, but "
                f"{', '.join(absent)} still missing",
                file=sys.stderr,
            )
            return 1
    for program in target.programs:
        version = subprocess.run(
            [program, "--version"], capture_output=True, text=True, timeout=120, check=False
        )
        if version.returncode != 0:
            print(
                f"ensure_debian: `{program} --version` failed:\n{version.stderr}", file=sys.stderr
            )
            return 1
        print(f"ensure_debian: {program}: {version.stdout.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
