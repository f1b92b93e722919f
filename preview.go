package main

import (
	"context"
	"errors"
	"io"
)

// runPreview is `nwfilter-web preview`: see the issue on predicted chains.
func runPreview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("preview: not implemented yet")
}
