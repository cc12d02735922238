"""The e2e Python program of the entrasync plugin (tests/e2e/plugin-languages.test.ts runs it in the
virtual environment `npm run plugin:languages` makes): one SyncJobStart from the generated Python SDK
(sdk/python, installed in the venv), in an Automation API inline program on the CLI that `npm run
pulumi:install` built. The test passes what to do as JSON in argv[1] and reads the result as JSON on
stdout; the environment (PULUMI_HOME, backend, passphrase, the emulator's variables) is the test's."""
import json
import sys

import pulumi
from pulumi import automation as auto

import pulumi_entrasync as entrasync


def main() -> None:
    req = json.loads(sys.argv[1])

    def program() -> None:
        resume = entrasync.SyncJobStart(
            "resume",
            service_principal_id=req["servicePrincipalId"],
            job_id=req["jobId"],
            triggers=req["triggers"],
        )
        pulumi.export("status", resume.status)
        pulumi.export("startCount", resume.start_count)
        pulumi.export("lastAction", resume.last_action)

    stack = auto.create_or_select_stack(
        stack_name=req["stack"],
        project_name=req["project"],
        program=program,
        opts=auto.LocalWorkspaceOptions(work_dir=req["workDir"], pulumi_command=auto.PulumiCommand(root=req["pulumiRoot"])),
    )
    command = req["command"]
    result: dict = {}
    if command == "preview":
        result["changeSummary"] = {str(k.value if hasattr(k, "value") else k): v for k, v in stack.preview().change_summary.items()}
    elif command == "up":
        res = stack.up()
        result["resourceChanges"] = res.summary.resource_changes
        result["outputs"] = {key: value.value for key, value in res.outputs.items()}
    elif command == "refresh":
        result["resourceChanges"] = stack.refresh().summary.resource_changes
    elif command == "destroy":
        result["resourceChanges"] = stack.destroy().summary.resource_changes
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
