package web

import (
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
)

// apiPreviewRequest is POST /api/v1/preview's JSON body (the other form: the XML as the body,
// the port in the query).
type apiPreviewRequest struct {
	XML        string           `json:"xml"`
	Dev        string           `json:"dev"`
	MAC        string           `json:"mac"`
	Parameters []libvirtx.Param `json:"parameters"`
}

// apiTables are the three tables as their save tools print them.
type apiTables struct {
	IPTables  string `json:"iptables"`
	IP6Tables string `json:"ip6tables"`
	EBTables  string `json:"ebtables"`
}

func toAPITables(t nwfilter.Tables) apiTables {
	return apiTables{IPTables: t.IPTables, IP6Tables: t.IP6Tables, EBTables: t.EBTables}
}

// apiTie is a run of lines whose order libvirt leaves to its hash seed.
type apiTie struct {
	Table    string   `json:"table"`
	Chain    string   `json:"chain"`
	Priority int      `json:"priority"`
	Lines    []string `json:"lines"`
}

func toAPITies(ts []nwfilter.Tie) []apiTie {
	out := []apiTie{}
	for _, t := range ts {
		out = append(out, apiTie{Table: t.Table, Chain: t.Chain, Priority: t.Priority, Lines: t.Lines})
	}
	return out
}

// apiVariable is a variable the filter tree uses.
type apiVariable struct {
	Name      string   `json:"name"`
	List      bool     `json:"list"`
	MinValues int      `json:"min_values"`
	Given     []string `json:"given"`
}

// apiPreview is what POST /api/v1/preview answers.
type apiPreview struct {
	Model      string           `json:"model"`
	Dev        string           `json:"dev"`
	MAC        string           `json:"mac"`
	Parameters []libvirtx.Param `json:"parameters"`
	Tables     apiTables        `json:"tables"`
	Ties       []apiTie         `json:"ties"`
	Learning   bool             `json:"learning"`
	Variables  []apiVariable    `json:"variables"`
	Notice     string           `json:"notice,omitempty"`
}

// apiPreviewFilter is POST /api/v1/preview: the chains libvirt would make of the filter XML on
// a port, without defining anything or touching the host. The body is the XML, with
// ?dev=&mac=&param=NAME=VALUE (repeated) in the query, or JSON (apiPreviewRequest). When
// libvirt would refuse, the answer is 422 with libvirt's message.
func (s *Server) apiPreviewFilter(c echo.Context) error {
	xml, port, err := apiPreviewInput(c)
	if err != nil {
		return err
	}
	if strings.TrimSpace(xml) == "" {
		return badField("xml", "the filter XML is empty")
	}
	if err := checkPreviewPort(&port); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	pr := s.predict(ctx, xml, port)
	if re := pr.refusal(); re != nil {
		return refusalError(re)
	}
	if pr.Err != nil {
		return pr.Err
	}
	out := apiPreview{Model: nwfilter.Model, Dev: port.Dev, MAC: port.MAC, Parameters: toLibvirtParams(port.Params),
		Tables: toAPITables(pr.Tables), Ties: toAPITies(pr.Tables.Ties), Learning: pr.Tables.Learning,
		Variables: []apiVariable{}, Notice: pr.Notice}
	for _, v := range pr.Vars {
		g := v.Given
		if g == nil {
			g = []string{}
		}
		out.Variables = append(out.Variables, apiVariable{Name: v.Name, List: v.List, MinValues: v.MinValues, Given: g})
	}
	return c.JSON(http.StatusOK, out)
}

// refusalError is libvirt's refusal as the caller's mistake: 422, naming the XML for a refusal
// to define and the parameters for unresolvable variables.
func refusalError(re *nwfilter.RefusalError) error {
	field := "xml"
	if len(re.Vars) > 0 {
		field = "parameters"
	}
	return &fieldError{Field: field, Status: http.StatusUnprocessableEntity, Msg: re.Msg}
}

func apiPreviewInput(c echo.Context) (string, previewPort, error) {
	req := c.Request()
	if strings.HasPrefix(req.Header.Get("Content-Type"), "application/json") {
		var in apiPreviewRequest
		if err := decodeJSON(c, &in); err != nil {
			return "", previewPort{}, err
		}
		port := previewPort{Dev: in.Dev, MAC: in.MAC}
		for _, p := range in.Parameters {
			port.Params = append(port.Params, nwfilter.Param{Name: p.Name, Value: p.Value})
		}
		return in.XML, port, nil
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 2<<20))
	if err != nil {
		return "", previewPort{}, badField("xml", "reading the body: %v", err)
	}
	q := c.QueryParams()
	port := previewPort{Dev: q.Get("dev"), MAC: q.Get("mac")}
	for _, p := range q["param"] {
		name, value, ok := strings.Cut(p, "=")
		if !ok {
			return "", previewPort{}, badField("param", "%q is not NAME=VALUE", p)
		}
		port.Params = append(port.Params, nwfilter.Param{Name: name, Value: value})
	}
	return string(body), port, nil
}

func toLibvirtParams(ps []nwfilter.Param) []libvirtx.Param {
	out := []libvirtx.Param{}
	for _, p := range ps {
		out = append(out, libvirtx.Param{Name: p.Name, Value: p.Value})
	}
	return out
}
