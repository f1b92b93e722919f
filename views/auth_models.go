package views

// Login is the login page.
type Login struct {
	Meta    Meta
	User    string // what was typed, kept on a refusal
	Next    string // where to go after logging in (a local path)
	Error   string
	NoUsers bool // no account exists yet: say how to make the first admin
	Setup   bool // the first-run page is open to this client
}

// Setup is the first-run page that creates the first admin.
type Setup struct {
	Meta  Meta
	User  string
	Error string
	Field string
}
