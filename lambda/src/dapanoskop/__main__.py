"""`python -m dapanoskop`: the same command as the `dapanoskop` console script."""

from dapanoskop.cli import main

if __name__ == "__main__":
    main(prog_name="dapanoskop")
