package provider

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// sharedListAge is how long after it was asked for a list of a client's secrets may serve another
// read of this process. A refresh does not read a client's secrets back to back: at 5,000
// resources, a quarter of the second reads came more than 5 s after the first. That the list is
// older says no more than a refresh that read the secret earlier would: it can only have missed a
// delete since.
const sharedListAge = 30 * time.Second

// secretLists lets the secret reads of one provider process share a list of their client's
// secrets. The API has no "get one", so a read lists the client's secrets, and a refresh reads
// every secret: a client with two secrets was listed twice, moments apart, for the same answer.
//
// A secret cannot change (the API has no update), so a list asked for a moment ago can be wrong
// only about whether a secret still exists. It is used only to find a secret, and only when it was
// asked for within sharedListAge and after this process last deleted one of that client's
// secrets: a secret it lacks, or a list that failed, is looked for again by a request of the
// read's own, so "gone" is never decided on a shared list.
type secretLists struct {
	mu    sync.Mutex
	lists map[string]*secretList // by client id
	now   func() time.Time       // nil: time.Now; tests may fake it
}

type secretList struct {
	asked   time.Time
	done    chan struct{} // closed when secrets is set
	secrets []iam.ClientSecret
}

// find returns secret secretID of client clientID as c.GetClientSecret does, from a list another
// read of this process asked for within sharedListAge when that list holds it.
func (s *secretLists) find(ctx context.Context, c *iam.Client, clientID, secretID string) (*iam.ClientSecret, error) {
	s.mu.Lock()
	now := s.clock()
	if l := s.lists[clientID]; l != nil && now.Sub(l.asked) <= sharedListAge {
		s.mu.Unlock()
		select {
		case <-l.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		// What a list that failed part way got is as good as a whole list's.
		if secret, err := c.ClientSecretIn(l.secrets, clientID, secretID); err == nil {
			return secret, nil
		}
		return c.GetClientSecret(ctx, clientID, secretID)
	}
	l := &secretList{asked: now, done: make(chan struct{})}
	if s.lists == nil {
		s.lists = map[string]*secretList{}
	}
	s.lists[clientID] = l
	s.mu.Unlock()

	defer close(l.done)
	for secret, err := range c.ListClientSecrets(ctx, clientID) {
		if err != nil {
			return nil, err // this read's own answer, a 404 of the client among them
		}
		l.secrets = append(l.secrets, secret)
	}
	l.secrets = slices.Clip(l.secrets)
	return c.ClientSecretIn(l.secrets, clientID, secretID)
}

// forget drops the list of client clientID's secrets, which a delete of this process has made
// stale: no read after it may find the deleted secret there.
func (s *secretLists) forget(clientID string) {
	s.mu.Lock()
	delete(s.lists, clientID)
	s.mu.Unlock()
}

func (s *secretLists) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}
