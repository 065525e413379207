package registry

import (
	"fmt"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/client-go/tools/cache"
)

// attrFunc returns an object's labels and selectable fields: metadata.name,
// metadata.namespace (for namespaced kinds) and the kind's own fields.
func attrFunc[T Object[T]](rules Rules[T]) storage.AttrFunc {
	return func(obj runtime.Object) (labels.Set, fields.Set, error) {
		o, ok := obj.(T)
		if !ok {
			return nil, nil, fmt.Errorf("unexpected object %T", obj)
		}
		selectable := fields.Set{"metadata.name": o.GetName()}
		if rules.Namespaced {
			selectable["metadata.namespace"] = o.GetNamespace()
		}
		if rules.Fields != nil {
			selectable = generic.MergeFieldsSets(selectable, rules.Fields(o))
		}
		return o.GetLabels(), selectable, nil
	}
}

// predicateFunc matches objects against label and field selectors, telling
// the watch cache which fields it has indexes for.
func predicateFunc[T Object[T]](rules Rules[T]) func(labels.Selector, fields.Selector) storage.SelectionPredicate {
	getAttrs := attrFunc(rules)
	return func(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
		return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: getAttrs, IndexFields: rules.IndexedFields}
	}
}

// indexers builds the watch cache indexes of the indexed fields, for lists,
// and the trigger function of the first one, for watches: the cacher
// dispatches events to watchers by one field only.
func indexers[T Object[T]](rules Rules[T]) (*cache.Indexers, storage.IndexerFuncs) {
	if len(rules.IndexedFields) == 0 {
		return nil, nil
	}
	listIndexers := cache.Indexers{}
	triggers := storage.IndexerFuncs{}
	for _, name := range rules.IndexedFields {
		value := func(obj runtime.Object) string {
			o, ok := obj.(T)
			if !ok {
				return ""
			}
			return rules.Fields(o)[name]
		}
		listIndexers[storage.FieldIndex(name)] = func(obj any) ([]string, error) {
			o, ok := obj.(runtime.Object)
			if !ok {
				return nil, fmt.Errorf("unexpected object %T", obj)
			}
			return []string{value(o)}, nil
		}
		if len(triggers) == 0 {
			triggers[name] = value
		}
	}
	return &listIndexers, triggers
}
