module tillroll

go 1.26.8

require (
	github.com/disintegration/imaging v1.6.2 // indirect
	github.com/emersion/go-sasl v0.0.0-20241020182733-b788ff22d5a6 // indirect
	github.com/emersion/go-smtp v0.25.1 // indirect
	github.com/labstack/echo/v5 v5.4.4 // indirect
	github.com/ledongthuc/pdf v0.0.0-20260907135840-6c8c28e0e8a0 // indirect
	github.com/otiai10/gosseract/v2 v2.4.1 // indirect
	github.com/pdfcpu/pdfcpu v0.11.1 // indirect
	go.etcd.io/bbolt v1.4.3 // indirect
	golang.org/x/image v0.47.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/time v0.15.0 // indirect
)
