package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/oncallkit/oncall/internal/regularfile"
)

// Setting is one top-level key to write; an empty Value removes the key.
type Setting struct {
	Key, Value string
}

// Update edits the file at path in place: it sets (or removes) the given
// top-level keys and keeps every other key, value and comment as it was.
// A missing file is created. The result must load (Parse) before anything
// is written, and it is written whole or not at all (a temporary file
// renamed over the old one), mode 0600, through a symbolic link if path
// is one.
func Update(path string, settings []Setting) error {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	old, err := regularfile.Read(path, MaxFileSize)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &Error{File: path, Msg: bare(err).Error()}
	}
	out, err := edit(path, old, settings)
	if err != nil {
		return err
	}
	if _, err := Parse(path, out); err != nil {
		return err
	}
	return writeFile(path, out)
}

// edit returns data with settings applied.
func edit(name string, data []byte, settings []Setting) ([]byte, error) {
	var doc yaml.Node
	if len(bytes.TrimSpace(data)) > 0 {
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, syntaxError(name, err)
		}
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, HeadComment: "oncall configuration: every key is described in the README, under Configuration."}
	}
	if len(doc.Content) == 0 {
		doc.Content = []*yaml.Node{{Kind: yaml.MappingNode}}
	}
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.ShortTag() == "!!null" {
		// A file of comments only: they came back as the null's comments.
		doc.HeadComment = joinComments(doc.HeadComment, top.HeadComment, top.LineComment, top.FootComment)
		top = &yaml.Node{Kind: yaml.MappingNode}
		doc.Content[0] = top
	}
	if top.Kind != yaml.MappingNode {
		return nil, &Error{File: name, Line: top.Line, Msg: "the file must be a mapping of keys to values (key: value)"}
	}
	for _, s := range settings {
		i := -1
		for j := 0; j+1 < len(top.Content); j += 2 {
			if top.Content[j].Value == s.Key {
				i = j
				break
			}
		}
		switch {
		case s.Value == "" && i >= 0:
			top.Content = append(top.Content[:i], top.Content[i+2:]...)
		case s.Value == "":
		case i >= 0:
			v := top.Content[i+1]
			*v = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s.Value,
				HeadComment: v.HeadComment, LineComment: v.LineComment, FootComment: v.FootComment}
		default:
			top.Content = append(top.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s.Key},
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s.Value})
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

func joinComments(cs ...string) string {
	var out []byte
	for _, c := range cs {
		if c == "" {
			continue
		}
		if len(out) > 0 {
			out = append(out, '\n')
		}
		out = append(out, c...)
	}
	return string(out)
}

// writeFile replaces path with data, mode 0600, atomically.
func writeFile(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("config %s: cannot create its directory: %w", path, bare(err))
	}
	f, err := os.CreateTemp(dir, ".config-*.yaml")
	if err != nil {
		return fmt.Errorf("config %s: %w", path, bare(err))
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("config %s: %w", path, bare(err))
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("config %s: %w", path, bare(err))
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("config %s: %w", path, bare(err))
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("config %s: %w", path, bare(err))
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("config %s: %w", path, bare(err))
	}
	return nil
}
