// Package bench measures depend against hand-written wiring and against
// go.uber.org/dig and github.com/samber/do on the reference request graph of
// docs/performance.md. It is a separate module so that the root module keeps
// no dependencies.
//
// The graph:
//
//	App singletons:  Config, Pool(Config)
//	Request-scoped:  RequestID(ctx), Logger(RequestID), Token(ctx) (T, error),
//	                 User(Token) (T, error), Tx(Pool, Logger) (T, error),
//	                 Repo(Tx), Service(Repo, User, Logger), Audit(User, Tx)
//	Handler:         Handle(Service, Audit, User)
//
// Every provider is marked go:noinline, so that each one costs a real call
// and a heap allocation in every contender, hand-written included, as a real
// provider (parsing a token, opening a transaction) would. What remains
// between the contenders is the cost of the wiring.
package bench

import (
	"context"
	"errors"
)

// Config is the application's configuration, an app singleton.
type Config struct{ DSN string }

// Pool is the database pool, an app singleton built from Config.
type Pool struct {
	Config *Config
	Size   int
}

// RequestID identifies one request.
type RequestID struct{ ID string }

// Logger is tagged with the request id.
type Logger struct{ RequestID *RequestID }

// Token is the caller's credential, parsed from the request.
type Token struct{ Raw string }

// User is the caller, authenticated from Token.
type User struct {
	Name  string
	Token *Token
}

// Tx is the request's transaction.
type Tx struct {
	Pool   *Pool
	Logger *Logger
}

// Repo reads and writes through Tx.
type Repo struct{ Tx *Tx }

// Service is the business logic the handler calls.
type Service struct {
	Repo   *Repo
	User   *User
	Logger *Logger
}

// Audit records what User did in Tx.
type Audit struct {
	User *User
	Tx   *Tx
}

type ctxKey int

const (
	ridKey ctxKey = iota
	tokenKey
)

// RequestContext returns the context of one incoming request, derived from
// parent: it carries the request id and the caller's token, as middleware
// would set them. Pass a cancelable parent, as net/http's request contexts
// are, so that the containers' cancellation checks run as they would in a
// server.
func RequestContext(parent context.Context) context.Context {
	ctx := context.WithValue(parent, ridKey, "req-42")
	return context.WithValue(ctx, tokenKey, "secret")
}

// ErrNoToken is returned by NewToken when the request carries no token.
var ErrNoToken = errors.New("bench: no token")

// NewConfig provides Config.
//
//go:noinline
func NewConfig() *Config { return &Config{DSN: "postgres://localhost/app"} }

// NewPool provides Pool.
//
//go:noinline
func NewPool(cfg *Config) *Pool { return &Pool{Config: cfg, Size: 8} }

// NewRequestID provides RequestID.
//
//go:noinline
func NewRequestID(ctx context.Context) *RequestID {
	id, _ := ctx.Value(ridKey).(string)
	return &RequestID{ID: id}
}

// NewLogger provides Logger.
//
//go:noinline
func NewLogger(rid *RequestID) *Logger { return &Logger{RequestID: rid} }

// NewToken provides Token.
//
//go:noinline
func NewToken(ctx context.Context) (*Token, error) {
	raw, _ := ctx.Value(tokenKey).(string)
	if raw == "" {
		return nil, ErrNoToken
	}
	return &Token{Raw: raw}, nil
}

// NewUser provides User.
//
//go:noinline
func NewUser(tok *Token) (*User, error) {
	if tok.Raw != "secret" {
		return nil, errors.New("bench: bad token")
	}
	return &User{Name: "ada", Token: tok}, nil
}

// NewTx provides Tx.
//
//go:noinline
func NewTx(pool *Pool, log *Logger) (*Tx, error) { return &Tx{Pool: pool, Logger: log}, nil }

// NewRepo provides Repo.
//
//go:noinline
func NewRepo(tx *Tx) *Repo { return &Repo{Tx: tx} }

// NewService provides Service.
//
//go:noinline
func NewService(repo *Repo, user *User, log *Logger) *Service {
	return &Service{Repo: repo, User: user, Logger: log}
}

// NewAudit provides Audit.
//
//go:noinline
func NewAudit(user *User, tx *Tx) *Audit { return &Audit{User: user, Tx: tx} }

// ErrNotShared is returned by Handle when a request-scoped value was built
// twice in one request, which no contender may do.
var ErrNotShared = errors.New("bench: a request-scoped value was built more than once")

// Handle is the request handler. It checks that every contender shared one
// User, one Tx and one Logger across the request, as the graph requires.
//
//go:noinline
func Handle(svc *Service, audit *Audit, user *User) error {
	if svc.User != user || audit.User != user || audit.Tx != svc.Repo.Tx || svc.Logger != audit.Tx.Logger {
		return ErrNotShared
	}
	return nil
}

// App holds the application singletons for the hand-written contender.
type App struct{ Pool *Pool }

// NewApp builds the singletons once, at startup.
func NewApp() *App { return &App{Pool: NewPool(NewConfig())} }

// Serve is one request wired by hand: what google/wire would generate, and
// the limit every container is measured against.
func (a *App) Serve(ctx context.Context) error {
	svc, audit, user, err := a.Build(ctx)
	if err != nil {
		return err
	}
	return Handle(svc, audit, user)
}

// Build builds the handler's dependencies for one request.
func (a *App) Build(ctx context.Context) (*Service, *Audit, *User, error) {
	log := NewLogger(NewRequestID(ctx))
	tok, err := NewToken(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	user, err := NewUser(tok)
	if err != nil {
		return nil, nil, nil, err
	}
	tx, err := NewTx(a.Pool, log)
	if err != nil {
		return nil, nil, nil, err
	}
	return NewService(NewRepo(tx), user, log), NewAudit(user, tx), user, nil
}
