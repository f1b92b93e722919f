package views

// ParamField is one variable of a filter tree, offered on the forms that attach the filter to a
// port (a VM's NIC, a binding): what it is for, where the tree uses it, and the values set for
// it, in order (a list when there are several).
type ParamField struct {
	Name     string
	Explain  string // what it is for the port (libvirt's own variables)
	Uses     string // where the tree uses it, in words
	Format   string // what its values must look like
	Optional bool   // the port may leave it out
	Defaults string // the value(s) the tree gives it itself
	List     bool   // offer another input for one more value
	Values   []string
}

// ParamsBlock is the parameters part of a NIC's or a binding's form: the fields of the filter
// tree's variables, and NAME=VALUE lines for any other parameter.
type ParamsBlock struct {
	ID     string // the element's id, for HTMX to replace it when another filter is chosen
	Filter string
	Fields []ParamField
	Other  string // NAME=VALUE a line
	// Testid prefixes the data-testid of the elements ("nic", "binding").
	Testid string
}

// Inputs are the field's inputs: one a value, and an empty one for one more where it takes a
// list (or for the first value).
func (f ParamField) Inputs() []string {
	vs := append([]string(nil), f.Values...)
	if len(vs) == 0 || f.List {
		vs = append(vs, "")
	}
	return vs
}
