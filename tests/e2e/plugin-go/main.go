// The e2e Go program of the entrasync plugin (tests/e2e/plugin-languages.test.ts runs it; `npm run
// plugin:languages` builds it): one SyncJobStart from the generated Go SDK (sdk/go), in an Automation
// API inline program on the CLI that `npm run pulumi:install` built. The test passes what to do as
// JSON in argv[1] and reads the result as JSON on stdout; the environment (PULUMI_HOME, backend,
// passphrase, the emulator's variables) is the test's.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"pulumi-entra-sync/sdk/go/entrasync"
)

type request struct {
	Command            string          `json:"command"` // preview, up, refresh, destroy
	PulumiRoot         string          `json:"pulumiRoot"`
	WorkDir            string          `json:"workDir"`
	Project            string          `json:"project"`
	Stack              string          `json:"stack"`
	ServicePrincipalID string          `json:"servicePrincipalId"`
	JobID              string          `json:"jobId"`
	Triggers           json.RawMessage `json:"triggers"`
}

func program(req request) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		var triggers interface{}
		if err := json.Unmarshal(req.Triggers, &triggers); err != nil {
			return err
		}
		resume, err := entrasync.NewSyncJobStart(ctx, "resume", &entrasync.SyncJobStartArgs{
			ServicePrincipalId: pulumi.String(req.ServicePrincipalID),
			JobId:              pulumi.String(req.JobID),
			Triggers:           pulumi.Any(triggers),
		})
		if err != nil {
			return err
		}
		ctx.Export("status", resume.Status)
		ctx.Export("startCount", resume.StartCount)
		ctx.Export("lastAction", resume.LastAction)
		return nil
	}
}

func run(req request) (map[string]interface{}, error) {
	ctx := context.Background()
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: req.PulumiRoot})
	if err != nil {
		return nil, err
	}
	stack, err := auto.UpsertStackInlineSource(ctx, req.Stack, req.Project, program(req), auto.WorkDir(req.WorkDir), auto.Pulumi(cmd))
	if err != nil {
		return nil, err
	}
	result := map[string]interface{}{}
	switch req.Command {
	case "preview":
		res, err := stack.Preview(ctx)
		if err != nil {
			return nil, err
		}
		result["changeSummary"] = res.ChangeSummary
	case "up":
		res, err := stack.Up(ctx)
		if err != nil {
			return nil, err
		}
		result["resourceChanges"] = res.Summary.ResourceChanges
		outputs := map[string]interface{}{}
		for key, value := range res.Outputs {
			outputs[key] = value.Value
		}
		result["outputs"] = outputs
	case "refresh":
		res, err := stack.Refresh(ctx)
		if err != nil {
			return nil, err
		}
		result["resourceChanges"] = res.Summary.ResourceChanges
	case "destroy":
		res, err := stack.Destroy(ctx)
		if err != nil {
			return nil, err
		}
		result["resourceChanges"] = res.Summary.ResourceChanges
	default:
		return nil, fmt.Errorf("unknown command %q", req.Command)
	}
	return result, nil
}

func main() {
	var req request
	if len(os.Args) != 2 || json.Unmarshal([]byte(os.Args[1]), &req) != nil {
		fmt.Fprintln(os.Stderr, `usage: entrasync-e2e '{"command":"up",...}'`)
		os.Exit(2)
	}
	result, err := run(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, _ := json.Marshal(result)
	fmt.Println(string(out))
}
