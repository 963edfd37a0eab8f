package oapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file holds validation: checking a value against a schema keyword
// by keyword, and the violations it reports.

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
