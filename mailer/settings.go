package mailer

import "tillroll/store"

// Settings holds the relay settings an admin saved on the web page.
type Settings interface {
	SMTPSettings() (store.SMTPSettings, bool, error)
}

// SavedOr is a config source for NewMailerFunc: the settings an admin
// saved, when there are any, else defaults (the serve command's flags).
// Saved settings replace the flags whole: a saved form with no user logs
// in as nobody, even if --smtp-user is set. defaults.TLSConfig applies to
// both.
func SavedOr(st Settings, defaults SMTPConfig) func() (SMTPConfig, error) {
	return func() (SMTPConfig, error) {
		s, ok, err := st.SMTPSettings()
		if err != nil {
			return SMTPConfig{}, err
		}
		if !ok {
			return defaults, nil
		}
		return SMTPConfig{Addr: s.Addr, From: s.From, User: s.User, Password: s.Password, TLSConfig: defaults.TLSConfig}, nil
	}
}
