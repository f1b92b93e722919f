package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestStopDomainConfirm: Stop on the VM page asks first (a page, no script); only the form
// on it stops the VM.
func TestStopDomainConfirm(t *testing.T) {
	s, fake, _ := newTestServer(t)
	fake.domains[0].Interfaces[0].FilterRef = &refT{Filter: "clean-traffic"}

	d := doc(t, do(t, s, "GET", "/domains", ""))
	if href := d.Find(`[data-testid="domain-kvmdom"] [data-testid="domain-stop"]`).AttrOr("href", ""); href != "/domains/kvmdom/stop" {
		t.Fatalf("Stop links to %q, want the confirmation page", href)
	}
	if d.Find(`form[action="/domains/kvmdom/stop"]`).Length() != 0 {
		t.Error("the VM page stops the VM without asking")
	}
	calls := fake.calls
	rec := do(t, s, "GET", "/domains/kvmdom/stop", "")
	d = doc(t, rec)
	warning := d.Find(`[data-testid="domain-stop-warning"]`).Text()
	if rec.Code != http.StatusOK || !strings.Contains(warning, "powered off at once") || !strings.Contains(warning, "1 filtered NIC ") ||
		d.Find(`form[action="/domains/kvmdom/stop"] [data-testid="confirm-stop"]`).Length() != 1 {
		t.Fatalf("confirmation: %d %s", rec.Code, rec.Body)
	}
	if fake.calls != calls || !fake.domains[0].Active {
		t.Fatal("asking stopped the VM")
	}
	if rec := do(t, s, "POST", "/domains/kvmdom/stop", ""); rec.Code != http.StatusSeeOther || fake.domains[0].Active {
		t.Fatalf("confirmed stop: %d, active %v", rec.Code, fake.domains[0].Active)
	}
	// Stopped already: nothing to confirm.
	if d := doc(t, do(t, s, "GET", "/domains/kvmdom/stop", "")); d.Find(`[data-testid="domain-not-running"]`).Length() != 1 || d.Find(`[data-testid="confirm-stop"]`).Length() != 0 {
		t.Error("a stopped VM is offered Stop")
	}
	if rec := do(t, s, "GET", "/domains/nodom/stop", ""); rec.Code != http.StatusNotFound {
		t.Errorf("unknown VM: %d", rec.Code)
	}
	// Asking is an operator's, like stopping.
	if rec := do(t, s, "GET", "/domains/kvmdom/stop", "", "As", "viewer"); rec.Code != http.StatusForbidden {
		t.Errorf("a viewer gets the confirmation: %d", rec.Code)
	}
}

// TestDeleteBindingConfirm: Delete on the bindings page asks first; for a VM's port the
// question warns that the VM loses its filter.
func TestDeleteBindingConfirm(t *testing.T) {
	s, fake, st := newTestServer(t)
	fake.domains[0].Interfaces[0].FilterRef = &refT{Filter: "clean-traffic"}
	vm := fakeBinding("vnet0", "clean-traffic") // libvirt's for the running NIC
	vm.Owner, vm.OwnerUUID = "kvmdom", fakeUUID("kvmdom")
	fake.bindings["vnet0"] = vm
	fake.bindings["vnet9"] = fakeBinding("vnet9", "allow-dhcp") // made by hand

	d := doc(t, do(t, s, "GET", "/bindings", ""))
	if href := d.Find(`[data-testid="binding-vnet0"] [data-testid="binding-delete"]`).AttrOr("href", ""); href != "/bindings/vnet0/delete" {
		t.Fatalf("Delete links to %q, want the confirmation page", href)
	}
	if d.Find(`form[action="/bindings/vnet0/delete"]`).Length() != 0 {
		t.Error("the bindings page deletes without asking")
	}
	if href := d.Find(`[data-testid="binding-vnet0"] [data-testid="binding-domain"]`).AttrOr("href", ""); href != "/domains#domain-kvmdom" {
		t.Errorf("the VM's binding links its owner to %q", href)
	}

	rec := do(t, s, "GET", "/bindings/vnet0/delete", "")
	d = doc(t, rec)
	warning := d.Find(`[data-testid="binding-vm-warning"]`).Text()
	if rec.Code != http.StatusOK || !strings.Contains(warning, "kvmdom") || !strings.Contains(warning, "loses its filter") ||
		d.Find(`form[action="/bindings/vnet0/delete"] [data-testid="confirm-binding-delete"]`).Length() != 1 {
		t.Fatalf("a VM's binding: %d %s", rec.Code, rec.Body)
	}
	rec = do(t, s, "GET", "/bindings/vnet9/delete", "")
	d = doc(t, rec)
	if rec.Code != http.StatusOK || d.Find(`[data-testid="binding-vm-warning"]`).Length() != 0 ||
		d.Find(`[data-testid="confirm-binding-delete"]`).Length() != 1 {
		t.Errorf("a binding made by hand: %d %s", rec.Code, rec.Body)
	}
	if len(fake.bindings) != 2 || len(auditRows(t, st)) != 0 {
		t.Fatal("asking deleted something")
	}
	if rec := do(t, s, "POST", "/bindings/vnet9/delete", ""); rec.Code != http.StatusSeeOther || len(fake.bindings) != 1 {
		t.Fatalf("confirmed delete: %d", rec.Code)
	}
	if rec := do(t, s, "GET", "/bindings/vnet9/delete", ""); rec.Code != http.StatusNotFound {
		t.Errorf("a binding deleted meanwhile: %d", rec.Code)
	}
	if rec := do(t, s, "GET", "/bindings/vnet0/delete", "", "As", "viewer"); rec.Code != http.StatusForbidden {
		t.Errorf("a viewer gets the confirmation: %d", rec.Code)
	}
}
