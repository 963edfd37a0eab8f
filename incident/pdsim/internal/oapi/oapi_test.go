package oapi

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// doc is a small hand-written OpenAPI document exercising each keyword
// the validator supports, in the shapes PagerDuty's document uses them.
const doc = `{
  "openapi": "3.0.2",
  "paths": {
    "/things/{id}": {
      "get": {
        "responses": {
          "200": {"description": "ok", "content": {"application/json": {"schema": {
            "type": "object", "required": ["thing"],
            "properties": {"thing": {"$ref": "#/components/schemas/Thing"}}}}}},
          "404": {"$ref": "#/components/responses/NotFound"},
          "4XX": {"description": "range", "content": {"application/json": {"schema": {"type": "string"}}}}
        }
      },
      "delete": {"responses": {"204": {"description": "gone"}}}
    }
  },
  "components": {
    "responses": {
      "NotFound": {"description": "nf", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    },
    "schemas": {
      "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "integer"}, "message": {"type": "string"}, "errors": {"type": "array", "items": {"type": "string"}}}}}},
      "Base": {"allOf": [{"type": "object", "properties": {"id": {"type": "string"}, "summary": {"type": "string", "nullable": true}}},
                         {"type": "object", "required": ["id", "type"]}]},
      "Thing": {"allOf": [{"$ref": "#/components/schemas/Base"},
        {"type": "object", "required": ["kind"], "properties": {
          "type": {"type": "string", "enum": ["thing"]},
          "kind": {"type": "string", "enum": ["small", "large"]},
          "count": {"type": "integer", "minimum": 0, "maximum": 10},
          "ratio": {"type": "number"},
          "at": {"type": "string", "format": "date-time"},
          "self": {"type": "string", "format": "url"},
          "code": {"type": "string", "pattern": "^[A-Z]{2}$", "minLength": 2, "maxLength": 2},
          "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3, "uniqueItems": true},
          "owner": {"oneOf": [{"$ref": "#/components/schemas/UserRef"}, {"$ref": "#/components/schemas/TeamRef"}]},
          "loose": {"oneOf": [{"type": "object", "title": "A"}, {"type": "object", "title": "B"}]},
          "either": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
          "labels": {"type": "object", "additionalProperties": {"type": "string"}},
          "closed": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false},
          "open": {"type": "object", "properties": {"a": {"type": "string"}}},
          "secret": {"type": "string", "writeOnly": true},
          "maybe": {"type": "string", "nullable": true},
          "anything": {},
          "pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                  "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"}}},
          "odd": {"type": "enrichment_schema"}
        }}]},
      "UserRef": {"type": "object", "required": ["id", "type"], "properties": {"id": {"type": "string"}, "type": {"type": "string", "enum": ["user_reference"]}}},
      "TeamRef": {"type": "object", "required": ["id", "type"], "properties": {"id": {"type": "string"}, "type": {"type": "string", "enum": ["team_reference"]}}},
      "Cat": {"type": "object", "properties": {"kind": {"type": "string"}, "lives": {"type": "integer"}}},
      "Dog": {"type": "object", "properties": {"kind": {"type": "string"}, "good": {"type": "boolean"}}},
      "Loop": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Loop"}}}
    }
  }
}`

func load(t *testing.T) *Document {
	t.Helper()
	d, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return d
}

const thing = "#/components/schemas/Thing"

// valid is a Thing that breaks nothing; each case below changes one thing.
const valid = `{"id":"P1","type":"thing","kind":"small"}`

func TestValidate(t *testing.T) {
	d := load(t)
	tests := []struct {
		name, body string
		want       string // a substring of the error; "" means valid
	}{
		{"minimal", valid, ""},
		{"everything valid", `{"id":"P1","type":"thing","kind":"large","summary":null,"count":10,"ratio":0.5,
			"at":"2026-03-07T14:00:00Z","self":"https://api.example.com/things/P1","code":"AB","tags":["a","b"],
			"owner":{"id":"U","type":"user_reference"},"either":"x","labels":{"a":"b"},"closed":{"a":"x"},
			"open":{"a":"x","b":1},"maybe":null,"anything":null,"pet":{"kind":"dog","good":true}}`, ""},
		{"null against a oneOf of objects", `{"id":"P1","type":"thing","kind":"small","owner":null}`, "matches none of the 2 oneOf branches"},
		{"required from a plain allOf branch", `{"type":"thing","kind":"small"}`, `required property "id"`},
		{"required in the referencing schema", `{"id":"P1","type":"thing"}`, `required property "kind"`},
		{"enum", `{"id":"P1","type":"thing_reference","kind":"small"}`, `"thing_reference" is not one of ["thing"]`},
		{"type string", `{"id":7,"type":"thing","kind":"small"}`, "a number 7, want string"},
		{"integer must be whole", `{"id":"P1","type":"thing","kind":"small","count":1.5}`, "want integer"},
		{"integer written with a point is whole", `{"id":"P1","type":"thing","kind":"small","count":2.0}`, ""},
		{"minimum", `{"id":"P1","type":"thing","kind":"small","count":-1}`, "below the minimum"},
		{"maximum", `{"id":"P1","type":"thing","kind":"small","count":11}`, "above the maximum"},
		{"null needs nullable", `{"id":null,"type":"thing","kind":"small"}`, "not nullable"},
		{"nullable accepts null", `{"id":"P1","type":"thing","kind":"small","summary":null,"maybe":null}`, ""},
		{"untyped schema accepts anything", `{"id":"P1","type":"thing","kind":"small","anything":[1,{"a":null}]}`, ""},
		{"date-time", `{"id":"P1","type":"thing","kind":"small","at":"2026-03-07 14:00"}`, "not an RFC 3339 date-time"},
		{"date-time with an offset", `{"id":"P1","type":"thing","kind":"small","at":"2026-03-07T09:00:00-05:00"}`, ""},
		{"url must be absolute", `{"id":"P1","type":"thing","kind":"small","self":"/things/P1"}`, "not an absolute URL"},
		{"pattern", `{"id":"P1","type":"thing","kind":"small","code":"ab"}`, "does not match the pattern"},
		{"maxLength", `{"id":"P1","type":"thing","kind":"small","code":"ABC"}`, "more than maxLength 2"},
		{"minItems", `{"id":"P1","type":"thing","kind":"small","tags":[]}`, "fewer than minItems 1"},
		{"maxItems", `{"id":"P1","type":"thing","kind":"small","tags":["a","b","c","d"]}`, "more than maxItems 3"},
		{"uniqueItems", `{"id":"P1","type":"thing","kind":"small","tags":["a","a"]}`, "uniqueItems"},
		{"items", `{"id":"P1","type":"thing","kind":"small","tags":["a",2]}`, "$.tags[1]"},
		{"oneOf picks the one branch", `{"id":"P1","type":"thing","kind":"small","owner":{"id":"T","type":"team_reference"}}`, ""},
		{"oneOf with no branch", `{"id":"P1","type":"thing","kind":"small","owner":{"id":"T","type":"service_reference"}}`, "matches none of the 2 oneOf branches"},
		{"oneOf with two branches", `{"id":"P1","type":"thing","kind":"small","loose":{}}`, "matches 2 oneOf branches (A, B)"},
		{"anyOf with one branch", `{"id":"P1","type":"thing","kind":"small","either":3}`, ""},
		{"anyOf with none", `{"id":"P1","type":"thing","kind":"small","either":true}`, "matches none of the 2 anyOf branches"},
		{"additionalProperties schema", `{"id":"P1","type":"thing","kind":"small","labels":{"a":1}}`, "$.labels.a"},
		{"additionalProperties false", `{"id":"P1","type":"thing","kind":"small","closed":{"a":"x","b":"y"}}`, "$.closed.b: a property the schema does not allow"},
		{"unlisted properties are allowed by default", `{"id":"P1","type":"thing","kind":"small","extra":1,"open":{"z":true}}`, ""},
		{"writeOnly in a response", `{"id":"P1","type":"thing","kind":"small","secret":"s"}`, "writeOnly"},
		{"discriminator picks the branch", `{"id":"P1","type":"thing","kind":"small","pet":{"kind":"cat","lives":"nine"}}`, "$.pet.lives: a string"},
		{"discriminator with an unmapped value", `{"id":"P1","type":"thing","kind":"small","pet":{"kind":"cow"}}`, `"cow", which the mapping does not name`},
		{"unknown type is an error", `{"id":"P1","type":"thing","kind":"small","odd":"x"}`, `unknown type "enrichment_schema"`},
		{"not an object", `[]`, "an array, want object"},
		{"not JSON", `{"id":`, "not JSON"},
		{"trailing data", valid + `{}`, "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := d.Validate(thing, []byte(tt.body))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate = %v, want valid", err)
			case tt.want != "" && err == nil:
				t.Errorf("Validate = nil, want an error with %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("Validate = %v\nwant an error with %q", err, tt.want)
			}
		})
	}
}

// TestValidateReportsEveryViolation: one body with three faults gets three
// violations, each with where it is and which schema refused it.
func TestValidateReportsEveryViolation(t *testing.T) {
	d := load(t)
	err := d.Validate(thing, []byte(`{"id":1,"type":"thing","kind":"huge","count":"3"}`))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Validate = %v (%T), want Errors", err, err)
	}
	if len(errs) != 3 {
		t.Fatalf("got %d violations, want 3:\n%v", len(errs), err)
	}
	for _, v := range errs {
		if v.At == "$" || !strings.HasPrefix(v.Schema, "#/components/schemas/") {
			t.Errorf("violation %+v lacks its location or schema", v)
		}
	}
}

func TestSelfReferenceTerminates(t *testing.T) {
	d := load(t)
	body := strings.Repeat(`{"next":`, 300) + "null" + strings.Repeat("}", 300)
	if err := d.Validate("#/components/schemas/Loop", []byte(body)); err == nil || !strings.Contains(err.Error(), "deeper than") {
		t.Errorf("Validate of a 300-deep value = %v, want a depth error", err)
	}
	if err := d.Validate("#/components/schemas/Loop", []byte(`{"next":{"next":{}}}`)); err != nil {
		t.Errorf("Validate of a shallow value = %v", err)
	}
}

func TestResponseSchema(t *testing.T) {
	d := load(t)
	tests := []struct {
		method, path string
		status       int
		want         string
		err          error
	}{
		{"GET", "/things/{id}", 200, "#/paths/~1things~1{id}/get/responses/200/content/application~1json/schema", nil},
		{"GET", "/things/{id}", 404, "#/components/responses/NotFound/content/application~1json/schema", nil},
		{"GET", "/things/{id}", 409, "#/paths/~1things~1{id}/get/responses/4XX/content/application~1json/schema", nil},
		{"DELETE", "/things/{id}", 204, "", nil},
		{"GET", "/things/{id}", 500, "", ErrNoResponse},
		{"PUT", "/things/{id}", 200, "", ErrNoOperation},
		{"GET", "/nothing", 200, "", ErrNoOperation},
	}
	for _, tt := range tests {
		got, err := d.ResponseSchema(tt.method, tt.path, tt.status)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("ResponseSchema(%s %s %d) = %q, %v; want %q, %v", tt.method, tt.path, tt.status, got, err, tt.want, tt.err)
		}
	}
}

func TestValidateResponse(t *testing.T) {
	d := load(t)
	if err := d.ValidateResponse("GET", "/things/{id}", 200, []byte(`{"thing":`+valid+`}`)); err != nil {
		t.Errorf("valid 200: %v", err)
	}
	if err := d.ValidateResponse("GET", "/things/{id}", 200, []byte(valid)); err == nil || !strings.Contains(err.Error(), `required property "thing"`) {
		t.Errorf("200 without its envelope = %v, want the missing thing", err)
	}
	if err := d.ValidateResponse("GET", "/things/{id}", 404, []byte(`{"error":{"code":"2100"}}`)); err == nil || !strings.Contains(err.Error(), "$.error.code") {
		t.Errorf("404 with a string code = %v, want $.error.code refused", err)
	}
	if err := d.ValidateResponse("DELETE", "/things/{id}", 204, nil); err != nil {
		t.Errorf("204 without a body: %v", err)
	}
	if err := d.ValidateResponse("DELETE", "/things/{id}", 204, []byte(`{}`)); err == nil {
		t.Error("204 with a body passed")
	}
}

func TestSetAndDelete(t *testing.T) {
	d := load(t)
	loose := `{"id":"P1","type":"thing","kind":"small","loose":{}}`
	if err := d.Validate(thing, []byte(loose)); err == nil {
		t.Fatal("an object matching both oneOf branches passed before the correction")
	}
	// The correction PagerDuty's Channel schema needs: oneOf meant as anyOf.
	p := "#/components/schemas/Thing/allOf/1/properties/loose"
	if err := d.Move(p+"/oneOf", p+"/anyOf"); err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(thing, []byte(loose)); err != nil {
		t.Errorf("after the correction: %v", err)
	}
	if err := d.Delete(p + "/oneOf"); err == nil {
		t.Error("deleting a missing member succeeded")
	}
	if err := d.Move(p+"/oneOf", p+"/allOf"); err == nil {
		t.Error("moving a missing member succeeded")
	}
	if err := d.Set(p+"/maxLength", `1`); err != nil {
		t.Fatal(err)
	}
	if v, err := d.Resolve(p + "/maxLength"); err != nil || fmt.Sprint(v) != "1" {
		t.Errorf("after Set, Resolve = %v, %v; want 1", v, err)
	}
	if err := d.Set("#/components/nothing/here", `1`); err == nil {
		t.Error("setting under a missing parent succeeded")
	}
	if err := d.Set(p+"/x", `{`); err == nil {
		t.Error("setting invalid JSON succeeded")
	}
}

func TestLoadBadInput(t *testing.T) {
	if _, err := Load(t.TempDir() + "/missing.json"); err == nil {
		t.Error("Load of a missing file succeeded")
	}
	if _, err := Parse([]byte(`[1]`)); err == nil {
		t.Error("Parse of a non-object succeeded")
	}
}
