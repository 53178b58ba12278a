package depend_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

type describedPage struct {
	Limit int `query:"limit" default:"20" maximum:"100"`
}

type describedInput struct {
	describedPage
	Token   string  `header:"X-Token"`
	Session *string `cookie:"session"`
	Body    struct {
		Text string `json:"text"`
	} `body:""`
	Ignored string
}

type describedIface interface{ Describe() }

type describedRepo struct{}

func (*describedRepo) Describe() {}

func TestNodesDescribeEveryProvider(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func() *http.Client { return http.DefaultClient }, depend.Singleton))
	require.NoError(t, c.Provide(func(context.Context, *http.Client, depend.Fresh[describedInput]) (*describedRepo, func() error) {
		return &describedRepo{}, nil
	}, depend.As[describedIface](), depend.BeforeResponse, depend.Annotate("repo"), depend.Annotate(42)))
	require.NoError(t, c.Provide(depend.Input[describedInput]()))

	nodes := c.Nodes()
	require.Len(t, nodes, 3)
	assert.Equal(t, reflect.TypeFor[*http.Client](), nodes[0].Type)
	assert.Equal(t, depend.Singleton, nodes[0].Lifetime)
	assert.Nil(t, nodes[0].Inputs)

	repo := nodes[1]
	assert.Equal(t, reflect.TypeFor[*describedRepo](), repo.Type)
	assert.Equal(t, []reflect.Type{reflect.TypeFor[describedIface]()}, repo.As)
	assert.Equal(t, depend.BeforeResponse, repo.Teardown)
	assert.Equal(t, []reflect.Type{reflect.TypeFor[context.Context](), reflect.TypeFor[*http.Client](), reflect.TypeFor[depend.Fresh[describedInput]]()}, repo.Deps)
	assert.Equal(t, []any{"repo", 42}, repo.Notes)
	assert.Contains(t, repo.Name, "describe_test.go")

	in := nodes[2]
	assert.Equal(t, "depend.Input[depend_test.describedInput]", in.Name)
	var got []string
	for _, f := range in.Inputs {
		got = append(got, f.In+" "+f.Name+" "+f.Field.Name+" "+map[bool]string{true: "required", false: "optional"}[f.Required])
	}
	assert.Equal(t, []string{
		"query limit Limit optional",
		"header X-Token Token required",
		"cookie session Session optional",
		"body  Body required",
	}, got, "in the struct's order, embedded fields included")
	assert.Equal(t, `default:"20" maximum:"100"`, string(in.Inputs[0].Field.Tag)[len(`query:"limit" `):])
}

func TestNodesAreSnapshots(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func(context.Context) *describedRepo { return nil }, depend.Annotate("a")))
	n := c.Nodes()
	n[0].Deps[0], n[0].Notes[0] = nil, "changed"
	again := c.Nodes()
	assert.Equal(t, reflect.TypeFor[context.Context](), again[0].Deps[0])
	assert.Equal(t, "a", again[0].Notes[0])
}

func TestAnnotationValue(t *testing.T) {
	assert.Equal(t, "x", depend.Annotate("x").Value())
	assert.Nil(t, depend.Annotation{}.Value())
}
