package bench

import (
	"sync"

	"k8s.io/client-go/tools/cache"
)

// keyStore is a reflector's store that keeps keys only; synced closes at
// the first Replace, which ends the initial list.
type keyStore struct {
	mu     sync.Mutex
	keys   map[string]struct{}
	synced chan struct{}
	once   sync.Once
}

func newKeyStore() *keyStore {
	return &keyStore{keys: map[string]struct{}{}, synced: make(chan struct{})}
}

func (s *keyStore) set(obj any, present bool) error {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if present {
		s.keys[key] = struct{}{}
	} else {
		delete(s.keys, key)
	}
	return nil
}

func (s *keyStore) Add(obj any) error    { return s.set(obj, true) }
func (s *keyStore) Update(obj any) error { return s.set(obj, true) }
func (s *keyStore) Delete(obj any) error { return s.set(obj, false) }
func (s *keyStore) List() []any          { return nil }
func (s *keyStore) Get(any) (any, bool, error) {
	return nil, false, nil
}
func (s *keyStore) GetByKey(string) (any, bool, error) { return nil, false, nil }
func (s *keyStore) Resync() error                      { return nil }

func (s *keyStore) ListKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.keys))
	for k := range s.keys {
		keys = append(keys, k)
	}
	return keys
}

func (s *keyStore) Replace(list []any, _ string) error {
	s.mu.Lock()
	s.keys = map[string]struct{}{}
	s.mu.Unlock()
	for _, obj := range list {
		if err := s.set(obj, true); err != nil {
			return err
		}
	}
	s.once.Do(func() { close(s.synced) })
	return nil
}
