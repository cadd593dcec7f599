"""The built artifact (.aws-sam/build) run as the python3.12 Lambda runtime runs it: make invoke, make coldstart."""
