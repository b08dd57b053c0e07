"""A pipeline step: reads its inputs from the command line and writes each output value to the file it is given."""
import argparse
import os
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--message", required=True, help="text to work on")
    parser.add_argument("--result", required=True, help="file to write the output value `result` to")
    args = parser.parse_args(argv)

    # The step's work goes here.
    result = f"{args.message} (processed by {os.path.basename(os.getcwd()) or 'step'})"
    print(f"message={args.message!r} -> result={result!r}")

    # KFP passes the output's file path; create its folder, then write the value.
    os.makedirs(os.path.dirname(os.path.abspath(args.result)), exist_ok=True)
    with open(args.result, "w", encoding="utf-8") as f:
        f.write(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
