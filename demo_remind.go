package main

import "context"

// stageReminders and stageDigest are filled in with the reminder engine.
func (d *demo) stageReminders(ctx context.Context) error {
	d.printf("(reminders: engine not wired yet)\n")
	return nil
}

func (d *demo) stageDigest(ctx context.Context) error {
	d.printf("(digest: engine not wired yet)\n")
	return nil
}

func (d *demo) serve(ctx context.Context) error {
	<-ctx.Done()
	return nil
}
