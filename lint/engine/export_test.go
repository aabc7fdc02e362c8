package engine

// MixinEvaluations is how many mixins this process has evaluated.
func MixinEvaluations() int64 { return mixinEvaluations.Load() }
