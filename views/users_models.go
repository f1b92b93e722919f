package views

// Users is the accounts page (admins only): users with their roles, and API tokens.
type Users struct {
	Meta     Meta
	Users    []UserRow
	Tokens   []TokenRow
	Roles    []string
	Self     string // the admin looking: they may not delete themselves here
	Error    string
	UserForm UserForm
	// NewToken is a token just created, shown this once.
	NewToken      string
	NewTokenOwner string
	TokenUser     string // the token form's user, kept on a refusal
	TokenName     string
}

// UserRow is one account.
type UserRow struct {
	Name    string
	Role    string
	Created string
}

// TokenRow is one API token (never the token itself).
type TokenRow struct {
	ID       int64
	User     string
	Name     string
	Created  string
	LastUsed string // "never" when unused
	Revoked  string // "" while valid
}

// UserForm is the new-user form as typed, with the refusal and the field it names.
type UserForm struct {
	Name, Role, Error, Field string
}
