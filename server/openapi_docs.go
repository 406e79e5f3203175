package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v5"
	"go.yaml.in/yaml/v3"

	"tillroll/docs"
)

// GET /openapi.json and GET /docs: the OpenAPI document of docs/openapi.yaml
// as JSON, and as a page to read, made from it once and embedded in the
// binary (no CDN, no script: the box may have no internet).

var openAPIDoc = sync.OnceValues(func() (map[string]any, error) {
	var v any
	if err := yaml.Unmarshal(docs.OpenAPI, &v); err != nil {
		return nil, fmt.Errorf("docs/openapi.yaml: %w", err)
	}
	m, ok := jsonValue(v).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("docs/openapi.yaml is not a mapping")
	}
	return m, nil
})

// jsonValue turns YAML's maps (whose keys may be numbers: response codes)
// into maps with string keys.
func jsonValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = jsonValue(x)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = jsonValue(x)
		}
		return m
	case []any:
		for i, x := range t {
			t[i] = jsonValue(x)
		}
		return t
	}
	return v
}

var openAPIJSONBytes = sync.OnceValues(func() ([]byte, error) {
	doc, err := openAPIDoc()
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
})

// openAPIJSON is GET /openapi.json.
func (s *Server) openAPIJSON(c *echo.Context) error {
	b, err := openAPIJSONBytes()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/json", b)
}

var apiPage = template.Must(template.New("api").Parse(docs.APIPage))

var apiPageBytes = sync.OnceValues(func() ([]byte, error) {
	doc, err := openAPIDoc()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := apiPage.Execute(&b, apiView(doc)); err != nil {
		return nil, fmt.Errorf("render /docs: %w", err)
	}
	return b.Bytes(), nil
})

// apiDocs is GET /docs.
func (s *Server) apiDocs(c *echo.Context) error {
	b, err := apiPageBytes()
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.HTMLBlob(http.StatusOK, b)
}

type (
	apiDoc struct {
		Title, Version string
		Description    []string
		Ops            []apiOp
		Schemas        []apiSchema
	}
	apiOp struct {
		ID, Method, Path, Summary string
		Description               []string
		NoAuth                    bool
		Params                    []apiField
		Body                      []string
		Responses                 []apiResponse
	}
	apiField struct {
		Name, In, Type, Description string
		Required                    bool
	}
	apiResponse struct{ Code, Description, Body string }
	apiSchema   struct {
		Name, Description, Type string
		Props                   []apiField
	}
)

// apiView lays the document out for the page: paths in the document's
// order is lost to the map, so in path order; every $ref resolved.
func apiView(doc map[string]any) apiDoc {
	info := obj(doc["info"])
	v := apiDoc{Title: str(info["title"]), Version: str(info["version"]), Description: paragraphs(str(info["description"]))}
	paths := obj(doc["paths"])
	for _, p := range sortedKeys(paths) {
		item := obj(paths[p])
		for _, method := range []string{"get", "post", "put", "patch", "delete"} {
			op := obj(item[method])
			if op == nil {
				continue
			}
			o := apiOp{
				ID:     strings.Trim(strings.NewReplacer("/", "-", "{", "", "}", "").Replace(method+p), "-"),
				Method: strings.ToUpper(method), Path: p, Summary: str(op["summary"]),
				Description: paragraphs(str(op["description"])),
			}
			if sec, ok := op["security"].([]any); ok && len(sec) == 0 {
				o.NoAuth = true
			}
			for _, raw := range append(list(item["parameters"]), list(op["parameters"])...) {
				prm := resolve(doc, raw)
				o.Params = append(o.Params, apiField{Name: str(prm["name"]), In: str(prm["in"]),
					Type: typeName(obj(prm["schema"])), Description: str(prm["description"]), Required: prm["required"] == true})
			}
			if rb := resolve(doc, op["requestBody"]); rb != nil {
				o.Body = contentList(obj(rb["content"]))
			}
			resps := obj(op["responses"])
			for _, code := range sortedKeys(resps) {
				r := resolve(doc, resps[code])
				o.Responses = append(o.Responses, apiResponse{Code: code, Description: str(r["description"]), Body: strings.Join(contentList(obj(r["content"])), "; ")})
			}
			v.Ops = append(v.Ops, o)
		}
	}
	schemas := obj(obj(doc["components"])["schemas"])
	for _, name := range sortedKeys(schemas) {
		s := obj(schemas[name])
		sc := apiSchema{Name: name, Description: str(s["description"]), Type: typeName(s)}
		required := list(s["required"])
		props := obj(s["properties"])
		for _, pn := range sortedKeys(props) {
			ps := obj(props[pn])
			sc.Props = append(sc.Props, apiField{Name: pn, Type: typeName(ps), Description: str(ps["description"]),
				Required: slices.Contains(required, any(pn))})
		}
		v.Schemas = append(v.Schemas, sc)
	}
	return v
}

// resolve follows a local $ref (#/components/...).
func resolve(doc map[string]any, v any) map[string]any {
	m := obj(v)
	for range 8 {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		cur := any(doc)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = obj(cur)[part]
		}
		m = obj(cur)
	}
	return m
}

// typeName is a schema's type as the page shows it: string, integer,
// Result (a reference), array of LineItem, one of ....
func typeName(s map[string]any) string {
	if s == nil {
		return ""
	}
	if ref, ok := s["$ref"].(string); ok {
		return ref[strings.LastIndex(ref, "/")+1:]
	}
	for _, k := range []string{"oneOf", "anyOf", "allOf"} {
		if alts := list(s[k]); len(alts) > 0 {
			var names []string
			for _, a := range alts {
				names = append(names, typeName(obj(a)))
			}
			return map[string]string{"oneOf": "one of ", "anyOf": "any of ", "allOf": "all of "}[k] + strings.Join(names, ", ")
		}
	}
	t := fmt.Sprint(s["type"])
	switch ts := list(s["type"]); {
	case s["type"] == nil:
		t = "any"
	case len(ts) > 0: // OpenAPI 3.1: ["string", "null"]
		var names []string
		for _, x := range ts {
			names = append(names, fmt.Sprint(x))
		}
		t = strings.Join(names, " or ")
	}
	switch {
	case t == "array":
		return "array of " + typeName(obj(s["items"]))
	case s["enum"] != nil:
		var vals []string
		for _, e := range list(s["enum"]) {
			vals = append(vals, fmt.Sprintf("%q", fmt.Sprint(e)))
		}
		return t + ": " + strings.Join(vals, ", ")
	case s["format"] != nil:
		return t + " (" + fmt.Sprint(s["format"]) + ")"
	}
	return t
}

func contentList(content map[string]any) []string {
	var out []string
	for _, ct := range sortedKeys(content) {
		if t := typeName(obj(obj(content[ct])["schema"])); t != "" {
			out = append(out, ct+": "+t)
		} else {
			out = append(out, ct)
		}
	}
	return out
}

func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { l, _ := v.([]any); return l }
func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
