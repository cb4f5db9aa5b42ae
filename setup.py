"""Compiles the message catalogues into the built package: .mo files are made, not committed.

Everything else about the build is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # a checkout compiles them in place (make translations)
            return
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in Path("tracker/translations").glob("*/LC_MESSAGES/messages.po"):
            with po.open("rb") as source:
                catalogue = read_po(source)
            target = Path(self.build_lib) / po.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                write_mo(out, catalogue)  # fuzzy entries left out, as pybabel compile does


setup(cmdclass={"build_py": BuildWithCatalogues})
