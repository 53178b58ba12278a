module github.com/godepend/depend/bench

go 1.26

require (
	github.com/godepend/depend v0.0.0
	github.com/samber/do/v2 v2.0.0
	go.uber.org/dig v1.19.0
)

require (
	github.com/samber/go-type-to-string v1.8.0 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
)

replace github.com/godepend/depend => ../
