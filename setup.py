"""Ship the committed model bundles inside the wheel so an installed formcheck needs no network.

The bundles live in the top-level ``models/`` folder (fixed project layout); this build step
copies them into ``formcheck/models/`` of the built package. Editable installs find ``models/``
directly, so they need no copy.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithModels(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "formcheck" / "models"
        target.mkdir(parents=True, exist_ok=True)
        for name in ["SHA256SUMS", *sorted(p.name for p in (ROOT / "models").glob("*.task"))]:
            source = ROOT / "models" / name
            if source.is_file():
                shutil.copy2(source, target / name)
        # The bundles are modified Apache-2.0 works: their provenance and the note of what
        # models/build.py changed travel with them (Apache-2.0 section 4), with the licence.
        shutil.copy2(ROOT / "models" / "README.md", target / "NOTICE.md")
        shutil.copy2(ROOT / "LICENSE", target / "LICENSE")


setup(cmdclass={"build_py": BuildWithModels})
