package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"

	"github.com/labstack/echo/v4"
)

//go:embed static
var staticFS embed.FS

// assetHashes maps each static file to the first hex digits of its SHA-256, computed once.
var assetHashes = func() map[string]string {
	m := map[string]string{}
	entries, _ := fs.ReadDir(staticFS, "static")
	for _, e := range entries {
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			continue
		}
		sum := sha256.Sum256(b)
		m[e.Name()] = hex.EncodeToString(sum[:6])
	}
	return m
}()

// assetURL is the content-hashed URL of a static file: a new content is a new URL, so the
// files can be cached for a year.
func assetURL(name string) string {
	return "/static/" + name + "?v=" + assetHashes[name]
}

func (s *Server) serveStatic(c echo.Context) error {
	name := path.Base(c.Param("file"))
	h, ok := assetHashes[name]
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "no such file")
	}
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		return err
	}
	if c.QueryParam("v") == h {
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Response().Header().Set("Cache-Control", "no-cache")
	}
	c.Response().Header().Set("ETag", `"`+h+`"`)
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	return c.Blob(http.StatusOK, ct, b)
}
