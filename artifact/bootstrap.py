"""The python3.12 runtime's bootstrap, for a function of .aws-sam/build run outside Lambda (make invoke, coldstart).

`python3.12 -S bootstrap.py RUNTIME_SITE OPT_PYTHON HANDLER`, started by the Runtime Interface Emulator in the
function's folder (LAMBDA_TASK_ROOT). Like the runtime's own bootstrap, it puts the function and the layers first on
the module path, in Lambda's order (/var/task, /opt/python/lib/python3.12/site-packages, /opt/python), then the
standard library, then the runtime's site-packages (awslambdaric and the runtime's boto3), and hands over to
awslambdaric, which imports the handler and polls the emulator for invocations.
"""

import os
import site
import sys


def lambda_path(task_root: str, opt_pythons: list[str]) -> list[str]:
    layers = [p for opt in opt_pythons for p in (os.path.join(opt, "lib", "python3.12", "site-packages"), opt)]
    return [task_root, *layers]


if __name__ == "__main__":
    runtime_site, opt_python, handler = sys.argv[1:]
    # sys.path[0] is this file's folder, which Lambda does not have
    sys.path[0:1] = lambda_path(os.environ["LAMBDA_TASK_ROOT"], opt_python.split(os.pathsep))
    site.addsitedir(runtime_site)
    from awslambdaric.__main__ import main

    main([sys.argv[0], handler])
