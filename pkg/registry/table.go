package registry

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
)

// tableConvertor renders a kind's objects as server-side tables, so that
// kubectl get prints the kind's columns in every version and when watching.
type tableConvertor[T Object[T]] struct {
	definitions []metav1.TableColumnDefinition
	cells       []func(T) any // one per definition, in the same order
	resource    string
}

func newTableConvertor[T Object[T]](kind Kind[T]) tableConvertor[T] {
	c := tableConvertor[T]{resource: kind.Resource.String()}
	add := func(def metav1.TableColumnDefinition, cell func(T) any) {
		c.definitions = append(c.definitions, def)
		c.cells = append(c.cells, cell)
	}
	name := metav1.ObjectMeta{}.SwaggerDoc()["name"]
	add(metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: name},
		func(obj T) any { return obj.GetName() })
	for _, col := range kind.Columns {
		if col.Definition.Priority == 0 {
			add(col.Definition, col.Cell)
		}
	}
	add(metav1.TableColumnDefinition{Name: "Age", Type: "date", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
		func(obj T) any { return age(obj.GetCreationTimestamp()) })
	for _, col := range kind.Columns {
		if col.Definition.Priority != 0 {
			add(col.Definition, col.Cell)
		}
	}
	return c
}

func age(created metav1.Time) string {
	if created.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(created.Time))
}

// ConvertToTable renders one object or a list.
func (c tableConvertor[T]) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	table := &metav1.Table{}
	if opts, ok := tableOptions.(*metav1.TableOptions); !ok || !opts.NoHeaders {
		table.ColumnDefinitions = c.definitions
	}
	var items []runtime.Object
	if meta.IsListType(object) {
		var err error
		if items, err = meta.ExtractList(object); err != nil {
			return nil, err
		}
		if listMeta, err := meta.ListAccessor(object); err == nil {
			table.ResourceVersion = listMeta.GetResourceVersion()
			table.Continue = listMeta.GetContinue()
			table.RemainingItemCount = listMeta.GetRemainingItemCount()
		}
	} else {
		items = []runtime.Object{object}
		if m, err := meta.Accessor(object); err == nil {
			table.ResourceVersion = m.GetResourceVersion()
		}
	}
	for _, item := range items {
		obj, ok := item.(T)
		if !ok {
			return nil, fmt.Errorf("%s table: unexpected object %T", c.resource, item)
		}
		row := metav1.TableRow{Object: runtime.RawExtension{Object: item}, Cells: make([]any, len(c.cells))}
		for i, cell := range c.cells {
			row.Cells[i] = cell(obj)
		}
		table.Rows = append(table.Rows, row)
	}
	return table, nil
}
