package views

import "context"

type roleKey struct{}

// WithRole returns ctx carrying the logged-in user's role, so that pages offer only the
// actions it allows (the server checks every request itself: this is for the eye).
func WithRole(ctx context.Context, role string) context.Context {
	return context.WithValue(ctx, roleKey{}, role)
}

// roleRank orders the roles as the server does (store.RoleRank).
var roleRank = map[string]int{"viewer": 1, "operator": 2, "admin": 3}

// can reports whether the role in ctx may do what needs role need.
func can(ctx context.Context, need string) bool {
	have, _ := ctx.Value(roleKey{}).(string)
	return roleRank[have] >= roleRank[need] && roleRank[have] > 0
}

func currentRole(ctx context.Context) string {
	r, _ := ctx.Value(roleKey{}).(string)
	return r
}

func articled(role string) string {
	switch role {
	case "":
		return "nobody"
	case "operator", "admin":
		return "an " + role
	}
	return "a " + role
}
