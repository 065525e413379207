package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Answer is what is compared of a response: the status code, the Status
// reason, kind and causes of an error, and a normalized content (no names
// the server chose, uids, timestamps or resourceVersions).
type Answer struct {
	Code    int
	Reason  metav1.StatusReason `json:",omitempty"`
	Kind    string              `json:",omitempty"`
	Causes  []string            `json:",omitempty"`
	Content map[string]any      `json:",omitempty"`
	Items   int                 `json:",omitempty"`
	// Events are a watch's event types, with the code of an ERROR's Status.
	Events []string `json:",omitempty"`
}

// Target is one server under test: where to send the script, as whom, and
// in which group and namespace.
type Target struct {
	Client    *http.Client
	Host      string
	Group     string
	Namespace string
}

func (t Target) url(path string) string {
	path = strings.ReplaceAll(path, "{group}", t.Group)
	if strings.HasPrefix(path, "/apis/") || strings.HasPrefix(path, "/openapi/") {
		return t.Host + path
	}
	name, query, _ := strings.Cut(path, "?")
	url := t.Host + "/apis/" + t.Group + "/v1/namespaces/" + t.Namespace + "/crontabs" + name
	if query != "" {
		url += "?" + query
	}
	return url
}

// Send runs one step and reduces its response to an Answer.
func (t Target) Send(step Step) (Answer, error) {
	var body io.Reader
	if step.Body != "" {
		body = strings.NewReader(strings.ReplaceAll(step.Body, "{group}", t.Group))
	}
	req, err := http.NewRequest(step.Method, t.url(step.Path), body)
	if err != nil {
		return Answer{}, err
	}
	if step.ContentType != "" {
		req.Header.Set("Content-Type", step.ContentType)
	}
	if step.Accept != "" {
		req.Header.Set("Accept", step.Accept)
	}
	resp, err := t.Client.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	a := Answer{Code: resp.StatusCode}
	if strings.Contains(step.Path, "watch=true") && resp.StatusCode == http.StatusOK {
		a.Events, err = watchEvents(resp.Body)
		return a, err
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return Answer{}, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return Answer{}, fmt.Errorf("%d %s", resp.StatusCode, raw)
	}
	switch {
	case doc["kind"] == "Status":
		a.Reason, a.Kind, a.Causes = statusOf(raw)
	case doc["kind"] == "APIResourceList":
		a.Content = crontabResources(doc)
		if len(a.Content) == 0 {
			return a, fmt.Errorf("no crontabs in the discovery of %s", t.Group)
		}
	case strings.HasPrefix(step.Path, "/openapi/"):
		a.Content = cronTabSchema(doc, t.Group)
		if a.Content == nil {
			return a, fmt.Errorf("no CronTab of %s/v1 in the OpenAPI document", t.Group)
		}
	case doc["kind"] == "Table":
		a.Content = table(doc)
	case doc["items"] != nil:
		a.Items, a.Content = list(doc)
	default:
		a.Content = object(doc)
	}
	return a, nil
}

func statusOf(raw []byte) (metav1.StatusReason, string, []string) {
	var status metav1.Status
	_ = json.Unmarshal(raw, &status)
	if status.Details == nil {
		return status.Reason, "", nil
	}
	var causes []string
	for _, c := range status.Details.Causes {
		// The CRD's schema validation spells some fields with a leading dot.
		causes = append(causes, strings.TrimPrefix(c.Field, ".")+" "+string(c.Type))
	}
	sort.Strings(causes)
	return status.Reason, status.Details.Kind, causes
}

func list(doc map[string]any) (int, map[string]any) {
	items, _ := doc["items"].([]any)
	content := map[string]any{}
	if metadata, ok := doc["metadata"].(map[string]any); ok {
		if metadata["continue"] != nil && metadata["continue"] != "" {
			content["continues"] = true
		}
		if remaining, ok := metadata["remainingItemCount"]; ok {
			content["remainingItemCount"] = remaining
		}
	}
	// A PartialObjectMetadataList says what it is; a typed list's items
	// need not (intended: they omit apiVersion and kind, as built-in lists do).
	if doc["kind"] == "PartialObjectMetadataList" {
		content["kind"] = doc["kind"]
		for _, item := range items {
			if item, ok := item.(map[string]any); ok {
				content["item kind"] = item["kind"]
			}
		}
	}
	if len(content) == 0 {
		content = nil
	}
	return len(items), content
}

// object keeps what a client sees of an object and the server must agree
// on: spec, status, and the metadata the requests set or the server derives.
func object(doc map[string]any) map[string]any {
	content := map[string]any{"spec": doc["spec"], "status": doc["status"]}
	// A typed status is always there, empty or not (intended).
	if status, ok := doc["status"].(map[string]any); ok && len(status) == 0 {
		content["status"] = nil
	}
	if doc["kind"] == "PartialObjectMetadata" {
		content["kind"], content["apiVersion"] = doc["kind"], doc["apiVersion"]
	}
	if metadata, ok := doc["metadata"].(map[string]any); ok {
		content["generation"] = metadata["generation"]
		content["labels"] = metadata["labels"]
		content["annotations"] = metadata["annotations"]
		content["finalizers"] = metadata["finalizers"]
		content["deleting"] = metadata["deletionTimestamp"] != nil
		var managers []string
		managed, _ := metadata["managedFields"].([]any)
		for _, entry := range managed {
			if entry, ok := entry.(map[string]any); ok {
				managers = append(managers, fmt.Sprintf("%v %v %v", entry["manager"], entry["operation"], entry["subresource"]))
			}
		}
		content["managers"] = managers
	}
	return content
}

// table keeps the column definitions and the cells, with dates (Age) and
// the embedded objects left out.
func table(doc map[string]any) map[string]any {
	var columns []string
	var dates []bool
	definitions, _ := doc["columnDefinitions"].([]any)
	for _, d := range definitions {
		d, _ := d.(map[string]any)
		columns = append(columns, fmt.Sprintf("%v %v format=%v priority=%v", d["name"], d["type"], d["format"], d["priority"]))
		dates = append(dates, d["type"] == "date")
	}
	var rows [][]any
	tableRows, _ := doc["rows"].([]any)
	for _, r := range tableRows {
		r, _ := r.(map[string]any)
		cells, _ := r["cells"].([]any)
		for i := range cells {
			if i < len(dates) && dates[i] {
				cells[i] = "<date>"
			}
		}
		rows = append(rows, cells)
	}
	return map[string]any{"columns": columns, "rows": rows}
}

// watchEvents reads a watch stream until the server ends it, and returns
// its event types: ERROR with the Status code, and the BOOKMARK that marks
// the end of the initial events. Other bookmarks are left out: the server
// sends them when its timers say, not at a point a client can expect.
func watchEvents(body io.Reader) ([]string, error) {
	var events []string
	decoder := json.NewDecoder(body)
	for {
		var event struct {
			Type   string `json:"type"`
			Object struct {
				Code     int `json:"code"`
				Metadata struct {
					Annotations map[string]string `json:"annotations"`
				} `json:"metadata"`
			} `json:"object"`
		}
		if err := decoder.Decode(&event); err == io.EOF {
			return events, nil
		} else if err != nil {
			return events, fmt.Errorf("reading a watch: %w", err)
		}
		switch event.Type {
		case "ERROR":
			events = append(events, fmt.Sprintf("ERROR %d", event.Object.Code))
		case "BOOKMARK":
			if end := event.Object.Metadata.Annotations[metav1.InitialEventsAnnotationKey]; end != "" {
				events = append(events, "BOOKMARK initial-events-end="+end)
			}
		default:
			events = append(events, event.Type)
		}
	}
}
