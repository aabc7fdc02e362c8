// A library found through -J.
{
  ratio(num, den):: '%s / (%s > 0)' % [num, den],
}
