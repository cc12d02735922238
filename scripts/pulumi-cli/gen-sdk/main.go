// gen-sdk generates the entrasync SDKs from schema.json with the code generators Pulumi's language
// hosts call from `pulumi package gen-sdk` (their GeneratePackage RPC runs these same functions of
// github.com/pulumi/pulumi/pkg/v3/codegen, at the CLI's pinned version). We call them directly
// because the Go module proxy does not serve the language hosts' modules, so the CLI cannot start
// them (scripts/plugin/gen-sdk.js says how this is run; docs/plugin.md why).
//
// Usage: gen-sdk <schema.json> <out dir> [language...]   (languages: nodejs python go; default all)
// Each <out dir>/<language> is emptied, then written; files are written in a fixed order with 0644.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func bind(raw []byte) (*schema.Package, schema.ReferenceLoader, error) {
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, nil, fmt.Errorf("schema.json: %w", err)
	}
	// The schema refers to no other package, so the loader is never asked for one.
	loader := schema.NewPluginLoader(nil)
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	if err != nil {
		return nil, nil, err
	}
	if diags.HasErrors() {
		return nil, nil, fmt.Errorf("schema.json does not bind: %s", diags.Error())
	}
	return pkg, loader, nil
}

func generate(language string, raw []byte) (map[string][]byte, error) {
	// Bound anew per language, as each language host binds the schema it is sent.
	pkg, loader, err := bind(raw)
	if err != nil {
		return nil, err
	}
	switch language {
	case "nodejs":
		return nodejs.GeneratePackage("pulumi-language-nodejs", pkg, map[string][]byte{}, nil, false, loader)
	case "python":
		return python.GeneratePackage("pulumi-language-python", pkg, map[string][]byte{}, loader)
	case "go":
		return gogen.GeneratePackage("pulumi-language-go", pkg, nil)
	}
	return nil, fmt.Errorf("unknown language %q (nodejs, python, go)", language)
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: gen-sdk <schema.json> <out dir> [nodejs|python|go ...]")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	languages := os.Args[3:]
	if len(languages) == 0 {
		languages = []string{"nodejs", "python", "go"}
	}
	for _, language := range languages {
		files, err := generate(language, raw)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen-sdk %s: %v\n", language, err)
			os.Exit(1)
		}
		dir := filepath.Join(os.Args[2], language)
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			target := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			if err := os.WriteFile(target, files[name], 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		fmt.Printf("%s: %d files in %s\n", language, len(names), dir)
	}
}
