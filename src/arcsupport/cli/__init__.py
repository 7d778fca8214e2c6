"""The `arcsupport` command, one module per command: parse, call, render, exit code."""


def run() -> None:
    """The program (the `arcsupport` script, `python -m arcsupport`): `app.main` with Python's
    cyclic garbage collector paused while the program starts. Importing the command allocates
    a few hundred thousand objects, none of them garbage, which the collector would otherwise
    scan again and again (about 3% of the instructions of `check` on a small bundle)."""
    import gc

    gc.disable()
    from arcsupport.cli.app import main

    main(resume_collector=True)
