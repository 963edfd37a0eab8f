// Package oapi checks JSON response bodies against the response schemas of
// an OpenAPI 3.0 document, so that pdsim's tests can hold every answer to
// PagerDuty's published reference instead of to pdsim's own idea of it.
//
// It is a test tool, written for the subset of OpenAPI 3.0 that PagerDuty's
// document uses: local $ref (JSON pointers, also into arrays), type,
// nullable, enum, format date-time, required, properties,
// additionalProperties (only where the document sets it), items, minItems,
// maxItems, uniqueItems, minLength, maxLength, minimum, maximum, pattern,
// allOf, anyOf and oneOf (with a discriminator mapping when there is one).
//
// Invariants:
//   - Validation is strict where the document is explicit: oneOf means
//     exactly one branch, a null needs nullable, an integer must be whole.
//     A keyword the validator does not know is ignored only when it is
//     documentation (description, example, readOnly, ...); an unknown
//     type is an error, never a silent pass.
//   - The document is never changed behind the caller's back: errors in
//     the reference itself are corrected only by explicit Set and Delete
//     calls, which the caller lists with their reasons.
//   - Reading is bounded: Load refuses a file over 64 MiB.
package oapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// This file holds loading a document, resolving and editing its JSON
// pointers ($ref targets), and finding an operation's response schema.

// ErrNoResponse means the operation documents no response for a status
// (and no default). Callers decide what such an answer is held to.
var ErrNoResponse = errors.New("no documented response")

// ErrNoOperation means the document has no such path and method.
var ErrNoOperation = errors.New("no documented operation")

// maxDocument bounds what Load reads.
const maxDocument = 64 << 20

// Document is a parsed OpenAPI document.
type Document struct {
	root  any
	regex map[string]*regexp.Regexp
}

// Load reads and parses the OpenAPI document at path.
func Load(path string) (*Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open OpenAPI document: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("read OpenAPI document %s: %w", path, err)
	}
	if len(data) > maxDocument {
		return nil, fmt.Errorf("OpenAPI document %s is over %d bytes", path, maxDocument)
	}
	d, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// Parse parses an OpenAPI document (or any JSON document with schemas
// under it, for tests of the validator itself).
func Parse(data []byte) (*Document, error) {
	root, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("parse OpenAPI document: %w", err)
	}
	if _, ok := root.(map[string]any); !ok {
		return nil, errors.New("parse OpenAPI document: not a JSON object")
	}
	return &Document{root: root, regex: make(map[string]*regexp.Regexp)}, nil
}

// decode parses JSON keeping numbers exact, so integers can be told from
// fractions.
func decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

// Resolve returns the value at a JSON pointer such as
// "#/components/schemas/Incident" (the leading "#" is optional).
func (d *Document) Resolve(pointer string) (any, error) {
	cur := d.root
	for _, tok := range splitPointer(pointer) {
		switch node := cur.(type) {
		case map[string]any:
			next, ok := node[tok]
			if !ok {
				return nil, fmt.Errorf("%s: no %q", pointer, tok)
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(node) {
				return nil, fmt.Errorf("%s: no element %q", pointer, tok)
			}
			cur = node[i]
		default:
			return nil, fmt.Errorf("%s: %q is inside a scalar", pointer, tok)
		}
	}
	return cur, nil
}

func splitPointer(p string) []string {
	p = strings.TrimPrefix(strings.TrimPrefix(p, "#"), "/")
	if p == "" {
		return nil
	}
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts
}

// Set replaces (or adds) the member at pointer with value, given as JSON.
// It exists to correct documented errors in a reference document; the
// parent must exist.
func (d *Document) Set(pointer, value string) error {
	v, err := decode([]byte(value))
	if err != nil {
		return fmt.Errorf("set %s: %w", pointer, err)
	}
	parent, last, err := d.parent(pointer)
	if err != nil {
		return fmt.Errorf("set %s: %w", pointer, err)
	}
	parent[last] = v
	return nil
}

// Move renames the member at from to to (for instance a oneOf that the
// document means as anyOf); from must exist.
func (d *Document) Move(from, to string) error {
	v, err := d.Resolve(from)
	if err != nil {
		return fmt.Errorf("move %s: %w", from, err)
	}
	parent, last, err := d.parent(to)
	if err != nil {
		return fmt.Errorf("move to %s: %w", to, err)
	}
	if err := d.Delete(from); err != nil {
		return err
	}
	parent[last] = v
	return nil
}

// Delete removes the member at pointer, which must exist.
func (d *Document) Delete(pointer string) error {
	parent, last, err := d.parent(pointer)
	if err != nil {
		return fmt.Errorf("delete %s: %w", pointer, err)
	}
	if _, ok := parent[last]; !ok {
		return fmt.Errorf("delete %s: no such member", pointer)
	}
	delete(parent, last)
	return nil
}

func (d *Document) parent(pointer string) (map[string]any, string, error) {
	toks := splitPointer(pointer)
	if len(toks) == 0 {
		return nil, "", errors.New("the root has no parent")
	}
	parentPtr := "#"
	for _, t := range toks[:len(toks)-1] {
		parentPtr += "/" + strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
	}
	p, err := d.Resolve(parentPtr)
	if err != nil {
		return nil, "", err
	}
	m, ok := p.(map[string]any)
	if !ok {
		return nil, "", fmt.Errorf("%s is not an object", parentPtr)
	}
	return m, toks[len(toks)-1], nil
}

// ResponseSchema returns the JSON pointer of the schema documented for an
// answer to method and path (a path template as the document writes it,
// such as "/incidents/{id}") with status: the exact status, else "4XX"
// style, else "default". It is "" when that response has no JSON body.
func (d *Document) ResponseSchema(method, path string, status int) (string, error) {
	opPtr := "#/paths/" + escape(path) + "/" + strings.ToLower(method)
	if _, err := d.Resolve(opPtr); err != nil {
		return "", fmt.Errorf("%s %s: %w", method, path, ErrNoOperation)
	}
	code := strconv.Itoa(status)
	var respPtr string
	for _, key := range []string{code, code[:1] + "XX", "default"} {
		p := opPtr + "/responses/" + key
		if _, err := d.Resolve(p); err == nil {
			respPtr = p
			break
		}
	}
	if respPtr == "" {
		return "", fmt.Errorf("%s %s answering %d: %w", method, path, status, ErrNoResponse)
	}
	// A response may itself be a $ref to components/responses.
	for range 8 {
		r, err := d.Resolve(respPtr)
		if err != nil {
			return "", err
		}
		m, _ := r.(map[string]any)
		ref, ok := m["$ref"].(string)
		if !ok {
			break
		}
		respPtr = ref
	}
	r, _ := d.Resolve(respPtr + "/content")
	content, _ := r.(map[string]any)
	types := make([]string, 0, len(content))
	for ct := range content {
		types = append(types, ct)
	}
	sort.Strings(types)
	for _, ct := range types {
		if strings.Contains(ct, "json") {
			p := respPtr + "/content/" + escape(ct) + "/schema"
			if _, err := d.Resolve(p); err == nil {
				return p, nil
			}
		}
	}
	return "", nil
}

func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}
