package web

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// The port a preview is for when nobody says otherwise: libvirt's first tap device and the
// first MAC address of qemu's range.
const (
	defaultPreviewDev = "vnet0"
	defaultPreviewMAC = "52:54:00:00:00:01"
)

// previewPort is the port a preview is for: its device, MAC and the binding's parameters.
type previewPort struct {
	Dev    string
	MAC    string
	Params []nwfilter.Param
}

// prediction is one filter XML predicted on one port.
type prediction struct {
	Tables nwfilter.Tables
	// Err is libvirt's refusal (*nwfilter.RefusalError) or why nothing could be predicted.
	Err error
	// Vars are the variables the filter tree uses. VarsKnown is false when the XML cannot be
	// read, so neither can its variables.
	Vars      []nwfilter.Variable
	VarsKnown bool
	// Notice says what the prediction could not take into account.
	Notice string
}

// refusal is the prediction's refusal, nil when libvirt would not refuse.
func (p prediction) refusal() *nwfilter.RefusalError {
	var re *nwfilter.RefusalError
	if errors.As(p.Err, &re) {
		return re
	}
	return nil
}

// predict predicts xml on port. Filterrefs resolve through libvirt; when libvirt cannot be
// reached they resolve to the filters libvirt ships, and the notice says so. It never touches
// the host's firewall.
func (s *Server) predict(ctx context.Context, xml string, port previewPort) prediction {
	var pr prediction
	unreachable := false
	viaLibvirt := libvirtx.Resolver(ctx, s.lv)
	res := nwfilter.Cached(nwfilter.ResolverFunc(func(name string) (string, error) {
		if !unreachable {
			x, err := viaLibvirt.Filter(name)
			if !errors.Is(err, libvirtx.ErrUnreachable) {
				return x, err
			}
			unreachable = true
		}
		return nwfilter.Shipped.Filter(name)
	}))
	// A filterref that cannot be read leaves its variables out; Predict says why.
	vars, err := nwfilter.Variables(xml, res)
	if err != nil && !errors.Is(err, nwfilter.ErrTreeIncomplete) {
		pr.Err = err
		return pr
	}
	pr.Vars, pr.VarsKnown = vars, true
	pr.Tables, pr.Err = nwfilter.Predict(xml, res, nwfilter.Port{Dev: port.Dev, MAC: port.MAC, Params: port.Params})
	if unreachable {
		pr.Notice = "libvirt is unreachable, so the filters this one references were taken from the ones libvirt ships; filters of your own among them are missing."
	}
	return pr
}

// checkPreviewPort checks the device and MAC as libvirt would, and fills in the defaults.
func checkPreviewPort(port *previewPort) error {
	if port.Dev == "" {
		port.Dev = defaultPreviewDev
	}
	if err := validPortDev(port.Dev); err != nil {
		var fe *fieldError
		if errors.As(err, &fe) {
			fe.Field = "dev"
		}
		return err
	}
	if port.MAC == "" {
		port.MAC = defaultPreviewMAC
	}
	mac, err := normalMAC("mac", port.MAC)
	if err != nil {
		return err
	}
	port.MAC = mac
	for _, p := range port.Params {
		if err := validParam(p.Name, p.Value); err != nil {
			return err
		}
	}
	return nil
}

// previewView is the view model of a prediction.
func previewView(pr prediction, port previewPort) views.Preview {
	v := views.Preview{Model: nwfilter.Model, Dev: port.Dev, MAC: port.MAC, Learning: pr.Tables.Learning, Notice: pr.Notice}
	if re := pr.refusal(); re != nil {
		v.Refusal, v.RefusalOp, v.Unordered = re.Msg, re.Op, len(re.Vars) > 1
		return v
	}
	if pr.Err != nil {
		v.Error = "The chains cannot be predicted: " + pr.Err.Error()
		return v
	}
	v.Tables = previewTables(pr.Tables)
	return v
}

// previewTables is the three tables line by line, with the lines of each tie marked.
func previewTables(t nwfilter.Tables) []views.PreviewTable {
	var out []views.PreviewTable
	for _, name := range nwfilter.TableNames {
		pt := views.PreviewTable{Name: name, Tool: saveTool(name)}
		tied := map[string]int{}
		for _, tie := range t.Ties {
			if tie.Table != name {
				continue
			}
			pt.Ties = append(pt.Ties, views.PreviewTie{Chain: tie.Chain, Priority: tie.Priority, Lines: len(tie.Lines)})
			for _, l := range tie.Lines {
				tied[l] = len(pt.Ties)
			}
		}
		if text := t.Table(name); text != "" {
			for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
				pt.Lines = append(pt.Lines, views.PreviewLine{Text: l, Tie: tied[l]})
			}
		}
		out = append(out, pt)
	}
	return out
}

// saveTool is the command whose output table name is.
func saveTool(name string) string {
	if name == "ebtables" {
		return "ebtables-save"
	}
	return name + "-save -t filter"
}

// varHelp explains the variables libvirt's own filters use.
var varHelp = map[string]string{
	nwfilter.VarIP: "The VM's IPv4 address; several for several. Empty: libvirt learns it from the VM's traffic (CTRL_IP_LEARNING, below).",
	"IPV6":         "The VM's IPv6 address (no-ipv6-spoofing and its kin).",
	"DHCPSERVER":   "The DHCP servers the VM may get answers from (allow-dhcp-server).",
	"DHCPSERVERV6": "The DHCPv6 servers the VM may get answers from (allow-dhcpv6-server).",
	"GATEWAY_MAC":  "The MAC address of the gateway the VM may talk to (clean-traffic-gateway).",
	"GATEWAY_MASK": "The mask of GATEWAY_MAC, when it is a range.",
}

// previewForm is the port form for a prediction: an input per variable the tree uses (but
// $MAC, which is the port's MAC), holding what the user typed.
func previewForm(pr prediction, port previewPort, typed map[string]string) views.PreviewForm {
	f := views.PreviewForm{Dev: port.Dev, MAC: port.MAC, Learning: "any"}
	if l, ok := typed["CTRL_IP_LEARNING"]; ok && l != "" {
		f.Learning = l
	}
	vars := pr.Vars
	if !pr.VarsKnown {
		// The XML cannot be read (the user is typing): keep the inputs the user has.
		vars = nil
		for _, n := range sortedKeys(typed) {
			vars = append(vars, nwfilter.Variable{Name: n, MinValues: 1})
		}
	}
	for _, v := range vars {
		switch v.Name {
		case nwfilter.VarMAC:
			f.UsesMAC = true
			continue
		case "CTRL_IP_LEARNING":
			continue
		case nwfilter.VarIP:
			f.UsesIP = true
		}
		pv := views.PreviewVar{Name: v.Name, Value: typed[v.Name], List: v.List, Min: v.MinValues, Given: v.Given, Help: varHelp[v.Name]}
		pv.Needed = pv.Value == "" && len(v.Given) == 0 && v.Name != nwfilter.VarIP
		f.Vars = append(f.Vars, pv)
	}
	return f
}

// paramsFromTyped turns the variables' inputs into the binding's parameters: values separated
// by commas or white space make a list, in order.
func paramsFromTyped(names []string, typed map[string]string) []nwfilter.Param {
	var ps []nwfilter.Param
	for _, n := range names {
		for _, v := range strings.FieldsFunc(typed[n], func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
			ps = append(ps, nwfilter.Param{Name: n, Value: v})
		}
	}
	return ps
}

// predictPreview is the preview panel's content for xml on port: the prediction's view, the
// form, and whether the form's variables are the tree's (false while the XML cannot be read:
// the inputs the user has are then kept). An invalid port is shown as the preview's error.
func (s *Server) predictPreview(ctx context.Context, xml string, port previewPort, typed map[string]string) (views.Preview, views.PreviewForm, bool) {
	if strings.TrimSpace(xml) == "" {
		v := views.Preview{Model: nwfilter.Model, Dev: port.Dev, MAC: port.MAC, Error: "Write a filter to see its chains."}
		return v, previewForm(prediction{}, port, typed), false
	}
	if err := checkPreviewPort(&port); err != nil {
		v := views.Preview{Model: nwfilter.Model, Dev: port.Dev, MAC: port.MAC, Error: err.Error()}
		pr := s.predict(ctx, xml, previewPort{Dev: defaultPreviewDev, MAC: defaultPreviewMAC})
		return v, previewForm(pr, port, typed), pr.VarsKnown
	}
	pr := s.predict(ctx, xml, port)
	return previewView(pr, port), previewForm(pr, port, typed), pr.VarsKnown
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		if k != "CTRL_IP_LEARNING" {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

// previewPanel is the panel for xml on the default port, as the editor and a filter page
// without ports first show it.
func (s *Server) previewPanel(ctx context.Context, xml, title, intro string) views.PreviewPanel {
	v, f, _ := s.predictPreview(ctx, xml, previewPort{}, nil)
	return views.PreviewPanel{Form: f, Result: v, Title: title, Intro: intro}
}

// formPreviewPanel is the panel for xml on the port, and with the variables' values, that the
// request's form gives (views.PreviewPanelView's fields), for a page shown again after a post.
func (s *Server) formPreviewPanel(c echo.Context, xml, title, intro string) views.PreviewPanel {
	port, typed, _ := previewFormInput(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	v, f, _ := s.predictPreview(ctx, xml, port, typed)
	return views.PreviewPanel{Form: f, Result: v, Title: title, Intro: intro}
}
