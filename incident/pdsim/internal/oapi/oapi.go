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
	"math"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

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

// ValidateResponse checks body, the answer to method and path with
// status, against the documented response schema. A response documented
// without a JSON body must have an empty body.
func (d *Document) ValidateResponse(method, path string, status int, body []byte) error {
	ptr, err := d.ResponseSchema(method, path, status)
	if err != nil {
		return err
	}
	if ptr == "" {
		if len(bytes.TrimSpace(body)) != 0 {
			return fmt.Errorf("%s %s answering %d: the reference documents no JSON body, got %d bytes", method, path, status, len(body))
		}
		return nil
	}
	if err := d.Validate(ptr, body); err != nil {
		return fmt.Errorf("%s %s answering %d: %w", method, path, status, err)
	}
	return nil
}

// Validate checks the JSON document body against the schema at pointer.
// The error lists every violation found, one a line, each with the
// location in body and the schema that refused it.
func (d *Document) Validate(pointer string, body []byte) error {
	v, err := decode(body)
	if err != nil {
		return fmt.Errorf("the body is not JSON: %w", err)
	}
	return d.ValidateValue(pointer, v)
}

// ValidateValue is Validate for an already decoded value; numbers must be
// json.Number (decode with UseNumber) or float64.
func (d *Document) ValidateValue(pointer string, v any) error {
	s, err := d.Resolve(pointer)
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	var errs Errors
	d.check(&errs, s, pointer, v, "$", 0)
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// Violation is one place where a value breaks its schema.
type Violation struct {
	At     string // where in the value, as $.a[0].b
	Schema string // the JSON pointer of the schema that refused it
	Reason string
}

func (v Violation) String() string { return v.At + ": " + v.Reason + " (" + v.Schema + ")" }

// Errors is every violation found in one value.
type Errors []Violation

func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, v := range e {
		lines[i] = v.String()
	}
	return strings.Join(lines, "\n")
}

// maxDepth stops a self-referencing schema from looping forever.
const maxDepth = 200

func (d *Document) check(errs *Errors, schema any, ptr string, v any, at string, depth int) {
	fail := func(format string, args ...any) {
		*errs = append(*errs, Violation{At: at, Schema: ptr, Reason: fmt.Sprintf(format, args...)})
	}
	if depth > maxDepth {
		fail("schema nests deeper than %d", maxDepth)
		return
	}
	s, ok := schema.(map[string]any)
	if !ok {
		if b, isBool := schema.(bool); isBool {
			if !b {
				fail("the schema is false: nothing is allowed here")
			}
			return
		}
		fail("the schema is not an object")
		return
	}
	// In OpenAPI 3.0 a $ref replaces its siblings.
	if ref, ok := s["$ref"].(string); ok {
		target, err := d.Resolve(ref)
		if err != nil {
			fail("unresolvable $ref: %v", err)
			return
		}
		d.check(errs, target, ref, v, at, depth+1)
		return
	}

	if v == nil {
		if s["nullable"] == true {
			return
		}
		if _, typed := s["type"]; typed {
			fail("null, but the schema is not nullable")
			return
		}
		if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, nil) {
			fail("null is not one of %s", enumText(enum))
			return
		}
		// An untyped schema: null goes on to allOf/anyOf/oneOf, if any.
	}

	if t, ok := s["type"]; ok {
		name, _ := t.(string)
		if !typeMatches(name, v) {
			if !knownType(name) {
				fail("the schema names an unknown type %q", name)
			} else {
				fail("%s, want %s", describe(v), name)
			}
			return // the keywords below assume the type
		}
	}
	if enum, ok := s["enum"].([]any); ok && !inEnum(enum, v) {
		fail("%s is not one of %s", short(v), enumText(enum))
	}

	switch val := v.(type) {
	case string:
		d.checkString(fail, s, val)
	case json.Number, float64:
		checkNumber(fail, s, v)
	case []any:
		if n, ok := intKeyword(s, "minItems"); ok && len(val) < n {
			fail("%d items, fewer than minItems %d", len(val), n)
		}
		if n, ok := intKeyword(s, "maxItems"); ok && len(val) > n {
			fail("%d items, more than maxItems %d", len(val), n)
		}
		if s["uniqueItems"] == true {
			for i := range val {
				for j := i + 1; j < len(val); j++ {
					if reflect.DeepEqual(val[i], val[j]) {
						fail("items %d and %d are equal, but uniqueItems is set", i, j)
					}
				}
			}
		}
		if items, ok := s["items"]; ok {
			for i, e := range val {
				d.check(errs, items, ptr+"/items", e, fmt.Sprintf("%s[%d]", at, i), depth+1)
			}
		}
	case map[string]any:
		d.checkObject(errs, fail, s, ptr, val, at, depth)
	}

	if all, ok := s["allOf"].([]any); ok {
		for i, sub := range all {
			d.check(errs, sub, fmt.Sprintf("%s/allOf/%d", ptr, i), v, at, depth+1)
		}
	}
	if anyOf, ok := s["anyOf"].([]any); ok {
		var branchErrs []Errors
		matched := false
		for i, sub := range anyOf {
			var e Errors
			d.check(&e, sub, fmt.Sprintf("%s/anyOf/%d", ptr, i), v, at, depth+1)
			if len(e) == 0 {
				matched = true
				break
			}
			branchErrs = append(branchErrs, e)
		}
		if !matched {
			fail("matches none of the %d anyOf branches: %s", len(anyOf), summarize(branchErrs))
		}
	}
	if oneOf, ok := s["oneOf"].([]any); ok {
		d.checkOneOf(errs, fail, s, oneOf, ptr, v, at, depth)
	}
}

func (d *Document) checkString(fail func(string, ...any), s map[string]any, val string) {
	n := len([]rune(val))
	if m, ok := intKeyword(s, "minLength"); ok && n < m {
		fail("%d characters, fewer than minLength %d", n, m)
	}
	if m, ok := intKeyword(s, "maxLength"); ok && n > m {
		fail("%d characters, more than maxLength %d", n, m)
	}
	if p, ok := s["pattern"].(string); ok {
		re, cached := d.regex[p]
		if !cached {
			var err error
			if re, err = regexp.Compile(p); err != nil {
				re = nil
			}
			d.regex[p] = re
		}
		if re == nil {
			fail("the schema's pattern %q does not compile", p)
		} else if !re.MatchString(val) {
			fail("%q does not match the pattern %q", val, p)
		}
	}
	switch s["format"] {
	case "date-time":
		if _, err := time.Parse(time.RFC3339, val); err != nil {
			fail("%q is not an RFC 3339 date-time", val)
		}
	case "url", "uri":
		if u, err := url.Parse(val); err != nil || u.Scheme == "" || u.Host == "" {
			fail("%q is not an absolute URL", val)
		}
	}
}

func checkNumber(fail func(string, ...any), s map[string]any, v any) {
	f, ok := number(v)
	if !ok {
		return
	}
	if m, ok := number(s["minimum"]); ok {
		if f < m || (s["exclusiveMinimum"] == true && f == m) {
			fail("%v is below the minimum %v", f, m)
		}
	}
	if m, ok := number(s["maximum"]); ok {
		if f > m || (s["exclusiveMaximum"] == true && f == m) {
			fail("%v is above the maximum %v", f, m)
		}
	}
}

func (d *Document) checkObject(errs *Errors, fail func(string, ...any), s map[string]any, ptr string, obj map[string]any, at string, depth int) {
	props, _ := s["properties"].(map[string]any)
	if req, ok := s["required"].([]any); ok {
		for _, r := range req {
			name, _ := r.(string)
			if _, present := obj[name]; present {
				continue
			}
			// A required writeOnly property is required in requests only.
			if p, ok := props[name].(map[string]any); ok && p["writeOnly"] == true {
				continue
			}
			fail("the required property %q is missing", name)
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sub := at + "." + k
		if p, ok := props[k]; ok {
			if pm, ok := p.(map[string]any); ok && pm["writeOnly"] == true {
				*errs = append(*errs, Violation{At: sub, Schema: ptr + "/properties/" + escape(k),
					Reason: "a writeOnly property appears in a response"})
				continue
			}
			d.check(errs, p, ptr+"/properties/"+escape(k), obj[k], sub, depth+1)
			continue
		}
		switch ap := s["additionalProperties"].(type) {
		case bool:
			if !ap {
				*errs = append(*errs, Violation{At: sub, Schema: ptr, Reason: "a property the schema does not allow (additionalProperties is false)"})
			}
		case map[string]any:
			d.check(errs, ap, ptr+"/additionalProperties", obj[k], sub, depth+1)
		}
	}
}

func (d *Document) checkOneOf(errs *Errors, fail func(string, ...any), s map[string]any, oneOf []any, ptr string, v any, at string, depth int) {
	// A discriminator with a mapping names the one branch to use.
	if disc, ok := s["discriminator"].(map[string]any); ok {
		prop, _ := disc["propertyName"].(string)
		mapping, _ := disc["mapping"].(map[string]any)
		if obj, ok := v.(map[string]any); ok && mapping != nil {
			tag, _ := obj[prop].(string)
			ref, ok := mapping[tag].(string)
			if !ok {
				fail("the discriminator %q is %q, which the mapping does not name", prop, tag)
				return
			}
			d.check(errs, map[string]any{"$ref": ref}, ptr+"/discriminator", v, at, depth+1)
			return
		}
	}
	var matched []int
	var branchErrs []Errors
	for i, sub := range oneOf {
		var e Errors
		d.check(&e, sub, fmt.Sprintf("%s/oneOf/%d", ptr, i), v, at, depth+1)
		if len(e) == 0 {
			matched = append(matched, i)
		} else {
			branchErrs = append(branchErrs, e)
		}
	}
	switch len(matched) {
	case 1:
	case 0:
		fail("matches none of the %d oneOf branches: %s", len(oneOf), summarize(branchErrs))
	default:
		fail("matches %d oneOf branches (%s), but oneOf allows exactly one", len(matched), branchNames(oneOf, matched))
	}
}

// summarize shortens the errors of failed branches to the first of each,
// once each: branches built on one base schema often fail alike.
func summarize(branches []Errors) string {
	parts := make([]string, 0, len(branches))
	for _, e := range branches {
		if len(e) > 0 && !slices.Contains(parts, "["+e[0].String()+"]") {
			parts = append(parts, "["+e[0].String()+"]")
		}
	}
	return strings.Join(parts, " ")
}

func branchNames(oneOf []any, idx []int) string {
	names := make([]string, 0, len(idx))
	for _, i := range idx {
		name := strconv.Itoa(i)
		if m, ok := oneOf[i].(map[string]any); ok {
			if ref, ok := m["$ref"].(string); ok {
				name = ref
			} else if t, ok := m["title"].(string); ok {
				name = t
			}
		}
		names = append(names, name)
	}
	return strings.Join(names, ", ")
}

func knownType(name string) bool {
	switch name {
	case "string", "number", "integer", "boolean", "object", "array":
		return true
	}
	return false
}

func typeMatches(name string, v any) bool {
	switch name {
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "number":
		_, ok := number(v)
		return ok
	case "integer":
		f, ok := number(v)
		return ok && f == math.Trunc(f) && !math.IsInf(f, 0)
	}
	return false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

func intKeyword(s map[string]any, name string) (int, bool) {
	f, ok := number(s[name])
	return int(f), ok
}

func inEnum(enum []any, v any) bool {
	for _, e := range enum {
		if equal(e, v) {
			return true
		}
	}
	return false
}

// equal compares decoded JSON values; numbers by value.
func equal(a, b any) bool {
	fa, aNum := number(a)
	fb, bNum := number(b)
	if aNum || bNum {
		return aNum && bNum && fa == fb
	}
	return reflect.DeepEqual(a, b)
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string " + short(v)
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number " + short(v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}

func enumText(enum []any) string {
	b, _ := json.Marshal(enum)
	return string(b)
}
