package main

import (
	"encoding/json"
	"io"
	"reflect"

	"github.com/oncallkit/oncall/incident"
)

// Output policy: every string oncall prints that came from outside
// (PagerDuty, the journal, files) passes through incident.Clean, for a
// person and for a script alike, since a script may print what it reads.
// Tables and lines clean each value as they write it; JSON goes through
// writeJSON, which cleans the whole value first, so a field added to a
// type later is cleaned without anyone remembering to.

// writeJSON writes v as JSON with every string in it cleaned: one value
// per line (JSON lines), or indented when indent is set.
func writeJSON(w io.Writer, v any, indent bool) error {
	enc := json.NewEncoder(w)
	if indent {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(sanitized(v))
}

// sanitized returns a copy of v in which every string (struct fields,
// elements, map keys and values, through pointers and interfaces) has
// been passed through incident.Clean. v itself is not changed. Byte
// slices are kept as they are (raw data, not text), as are unexported
// fields, which encoding/json does not write.
func sanitized[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	out := reflect.New(rv.Type()).Elem()
	out.Set(cleanValue(rv))
	return out.Interface().(T)
}

func cleanValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.String:
		c := reflect.New(v.Type()).Elem()
		c.SetString(incident.Clean(v.String()))
		return c
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				c.Field(i).Set(cleanValue(v.Field(i)))
			}
		}
		return c
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Type().Elem())
		c.Elem().Set(cleanValue(v.Elem()))
		return c
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Type()).Elem()
		c.Set(cleanValue(v.Elem()))
		return c
	case reflect.Slice:
		if v.IsNil() || v.Type().Elem().Kind() == reflect.Uint8 {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			c.Index(i).Set(cleanValue(v.Index(i)))
		}
		return c
	case reflect.Array:
		c := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			c.Index(i).Set(cleanValue(v.Index(i)))
		}
		return c
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			c.SetMapIndex(cleanValue(it.Key()), cleanValue(it.Value()))
		}
		return c
	default:
		return v
	}
}
